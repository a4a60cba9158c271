import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildImage, busyboxLayer, pushImage, startRegistry, type ContainerConfig, type LayerEntry, type RunningRegistry } from '@skiff/oci';

/** The name the cluster's nodes know its registry by (containerd sends it to the local one). */
export const LOCAL_REGISTRY_NAME = 'registry.skiff.local';
/** The pod sandbox image every node's runtime holds each pod's namespaces with. */
export const PAUSE_IMAGE = `${LOCAL_REGISTRY_NAME}/skiff/pause:1`;

const IMAGES = fileURLToPath(new URL('../../../examples-repo/images', import.meta.url));

interface ImageDefinition {
  repository: string;
  tag: string;
  config: ContainerConfig;
}

/** The files under `root` as layer entries at the same paths, modes and symlinks kept. */
export function layerFromDirectory(root: string): LayerEntry[] {
  const out: LayerEntry[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const inImage = `/${relative(root, path)}`;
      const st = lstatSync(path);
      if (st.isSymbolicLink()) out.push({ path: inImage, type: 'symlink', linkTarget: readlinkSync(path) });
      else if (st.isDirectory()) {
        out.push({ path: inImage, type: 'dir', mode: st.mode & 0o7777 });
        walk(path);
      } else out.push({ path: inImage, type: 'file', content: readFileSync(path), mode: st.mode & 0o7777 });
    }
  };
  walk(root);
  return out;
}

/**
 * The cluster's registry: the CNCF distribution registry on 127.0.0.1, its blobs in the data dir.
 * At every start it is given the images Skiff needs without internet access: the pod sandbox
 * image and the example app's images (examples-repo/images/<name>: image.json + rootfs/), each
 * built over a busybox userland from this machine. Pushing what is already there costs a HEAD
 * per blob.
 */
export async function startLocalRegistry(dir: string, port: number, log: (line: string) => void): Promise<RunningRegistry> {
  const registry = await startRegistry({ dir, port });
  try {
    const base = await busyboxLayer();
    const push = async (def: ImageDefinition, files: LayerEntry[]) => {
      const image = await buildImage({ layers: files.length ? [base, files] : [base], config: def.config });
      await pushImage(image, { registry: registry.host, repository: def.repository, tag: def.tag });
      log(`${LOCAL_REGISTRY_NAME}/${def.repository}:${def.tag}`);
    };
    await push({ repository: 'skiff/pause', tag: '1', config: { Entrypoint: ['/bin/busybox', 'sleep', '2147483647'] } }, []);
    if (existsSync(IMAGES)) {
      for (const name of readdirSync(IMAGES).sort()) {
        const defFile = join(IMAGES, name, 'image.json');
        if (!existsSync(defFile)) continue;
        const def = JSON.parse(readFileSync(defFile, 'utf8')) as ImageDefinition;
        const rootfs = join(IMAGES, name, 'rootfs');
        await push(def, existsSync(rootfs) ? layerFromDirectory(rootfs) : []);
      }
    }
    return registry;
  } catch (err) {
    await registry.stop();
    throw err;
  }
}
