// Which containers the node agent can run: those whose image is one of llmd's, run as the matching
// entry point of this checkout's build. The registry, path and tag of the reference are ignored (the
// build is the checkout's, whatever tag the chart names).

/** llmd's images and the built entry point (under dist/) each one runs. */
export const LLMD_IMAGES: Readonly<Record<string, string>> = {
  'llmd-gateway': 'apps/gateway/src/main.js',
  'llmd-scheduler': 'apps/scheduler/src/main.js',
  'llmd-cache-manager': 'apps/cache-manager/src/main.js',
  'llmd-autoscaler': 'apps/autoscaler/src/main.js',
  'llmd-operator': 'apps/operator/src/main.js',
  'llmd-vllm-sim': 'apps/vllm-sim/src/main.js',
};

/** The repository name of an image reference: `reg:5000/team/llmd-gateway:0.1.0@sha256:..` -> `llmd-gateway`. */
export function imageName(image: string): string {
  const noDigest = image.split('@')[0];
  const last = noDigest.slice(noDigest.lastIndexOf('/') + 1);
  const colon = last.indexOf(':');
  return colon >= 0 ? last.slice(0, colon) : last;
}

/** The entry point under dist/ for this image, or undefined when it is not one of llmd's. */
export function entryFor(image: string): string | undefined {
  return LLMD_IMAGES[imageName(image)];
}
