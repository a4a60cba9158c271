import { describe, expect, it } from 'vitest';
import { bridgeConflist } from './cniConfig.js';
import { containerdConfigToml, containerdPaths } from './containerdConfig.js';

describe('containerdConfigToml', () => {
  const toml = containerdConfigToml({ paths: containerdPaths('/srv/node-1/containerd'), sandboxImage: '127.0.0.1:5000/skiff/pause:1', cniBinDir: '/usr/lib/cni' });

  it('keeps every path of the instance under its directory', () => {
    expect(toml).toContain('root = "/srv/node-1/containerd/root"');
    expect(toml).toContain('state = "/srv/node-1/containerd/state"');
    expect(toml).toContain('address = "/srv/node-1/containerd/containerd.sock"');
    expect(toml).toContain('conf_dir = "/srv/node-1/containerd/net.d"');
    expect(toml).toContain('netns_mounts_under_state_dir = true');
  });

  it('clamps oom_score_adj and names the sandbox image and CNI plugins', () => {
    expect(toml).toContain('restrict_oom_score_adj = true');
    expect(toml).toContain('sandbox_image = "127.0.0.1:5000/skiff/pause:1"');
    expect(toml).toContain('bin_dir = "/usr/lib/cni"');
  });
});

describe('bridgeConflist', () => {
  it('is a bridge with host-local addresses from the node subnet in a private allocation dir', () => {
    const conf = JSON.parse(bridgeConflist({ name: 'skiff', bridge: 'skiff-n1', subnet: '10.88.1.0/24', ipamDataDir: '/srv/ipam' }));
    const bridge = conf.plugins[0];
    expect(bridge).toMatchObject({ type: 'bridge', bridge: 'skiff-n1', isGateway: true, ipMasq: false, hairpinMode: true });
    expect(bridge.ipam).toEqual({ type: 'host-local', ranges: [[{ subnet: '10.88.1.0/24' }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: '/srv/ipam' });
    expect(conf.plugins[1].type).toBe('portmap');
  });

  it('refuses a bridge name Linux would not take', () => {
    expect(() => bridgeConflist({ name: 'x', bridge: 'a-very-long-bridge-name', subnet: '10.0.0.0/24', ipamDataDir: '/x' })).toThrow(/15 characters/);
  });
});
