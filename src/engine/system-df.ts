// GET /system/df: what images, containers and volumes take on disk, in dockerd's shape. Sizes
// are walked asynchronously (treeSize), never with a blocking call: layers once each (an image
// shares the ones another image has), a container's writable layer (its upper dir), volumes
// through the volume service's usage.
import path from 'node:path';
import { treeSize } from '../volume/service.js';
import type { EngineCore } from './core.js';
import { containerSummary } from './inspect.js';
import type { ImageRecord } from './services.js';

export interface DfImage { image: ImageRecord; size: number; sharedSize: number; containers: number }
export interface DfContainer { summary: ReturnType<typeof containerSummary>; sizeRw: number; sizeRootFs: number }

export async function systemDf(core: EngineCore) {
  const { images, volumes } = core.services;
  const list = await images.list();
  const records = core.store.all();
  // each layer dir measured once; how many images hold it
  const layerSize = new Map<string, number>();
  const holders = new Map<string, number>();
  const dirsOf = new Map<string, string[]>();
  for (const img of list) {
    const dirs = images.layerDirs(img);
    dirsOf.set(img.id, dirs);
    for (const d of new Set(dirs)) {
      holders.set(d, (holders.get(d) ?? 0) + 1);
      if (!layerSize.has(d)) layerSize.set(d, await treeSize(d));
    }
  }
  const dfImages: DfImage[] = list.map((image) => {
    const dirs = [...new Set(dirsOf.get(image.id) ?? [])];
    return {
      image,
      size: dirs.reduce((n, d) => n + (layerSize.get(d) ?? 0), 0),
      sharedSize: dirs.filter((d) => (holders.get(d) ?? 0) > 1).reduce((n, d) => n + (layerSize.get(d) ?? 0), 0),
      containers: records.filter((r) => r.Image === image.id).length,
    };
  });
  const imageSize = new Map(dfImages.map((i) => [i.image.id, i.size]));
  const containers: DfContainer[] = [];
  for (const rec of records) {
    const sizeRw = await treeSize(path.join(core.etcPaths(rec.Id).root, 'upper'));
    containers.push({ summary: containerSummary(rec), sizeRw, sizeRootFs: sizeRw + (imageSize.get(rec.Image) ?? 0) });
  }
  const vols = await Promise.all((await volumes.list()).map((v) => volumes.inspect(v.name, { usage: true })));
  return { layersSize: [...layerSize.values()].reduce((a, b) => a + b, 0), images: dfImages, containers, volumes: vols };
}
