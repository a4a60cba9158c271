/**
 * The pod network of one node, as a CNI network configuration list for the reference plugins
 * (Debian's containernetworking-plugins): a Linux bridge that is the pods' gateway, host-local
 * addresses from the node's pod CIDR, and portmap for hostPort. The runtime (containerd's CRI
 * plugin) runs it for every sandbox: a veth pair into the pod's network namespace, an address,
 * a default route through the bridge.
 */
export interface BridgeNetworkOptions {
  /** The CNI network's name. */
  name: string;
  /** The bridge interface (at most 15 characters). */
  bridge: string;
  /** The node's pod CIDR, e.g. 10.244.1.0/24; the bridge takes its first address. */
  subnet: string;
  /** host-local's allocation directory, private to this node. */
  ipamDataDir: string;
  /** Masquerade traffic leaving the pod range (off: nothing may leave the machine). */
  ipMasq?: boolean;
}

export function bridgeConflist(opts: BridgeNetworkOptions): string {
  if (opts.bridge.length > 15) throw new Error(`bridge name "${opts.bridge}" is longer than 15 characters (Linux's limit for an interface name)`);
  return `${JSON.stringify(
    {
      cniVersion: '0.4.0',
      name: opts.name,
      plugins: [
        {
          type: 'bridge',
          bridge: opts.bridge,
          isGateway: true,
          ipMasq: opts.ipMasq ?? false,
          // A pod reaching its own Service is DNATed back out of the port it came in on.
          hairpinMode: true,
          ipam: { type: 'host-local', ranges: [[{ subnet: opts.subnet }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: opts.ipamDataDir },
        },
        { type: 'portmap', capabilities: { portMappings: true }, snat: true },
      ],
    },
    null,
    2,
  )}\n`;
}
