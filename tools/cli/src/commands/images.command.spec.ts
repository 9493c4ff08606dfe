import { delimiter } from 'node:path';
import { parseCommand } from '../args';
import { buildersOnPath, IMAGE_SERVICES, imageRef, imagesCommand, planImages, shellLine } from './images.command';

describe('llmd images: the plan', () => {
  it('builds every service by default, tagged llmd-<service>:<version> as the charts reference them', () => {
    const parsed = parseCommand(imagesCommand, []);
    if (parsed === 'help') throw new Error('help');
    expect(parsed.values.service).toEqual([...IMAGE_SERVICES]);
    const plan = planImages({ services: parsed.values.service, builder: 'docker', version: '0.1.0' });
    expect(plan.map(shellLine)).toEqual(
      IMAGE_SERVICES.map((s) => `docker build -f deploy/images/Containerfile --target ${s} --build-arg VERSION=0.1.0 -t llmd-${s}:0.1.0 .`),
    );
  });

  it('puts the registry before the repository, the tag after it, and pushes each image after building it', () => {
    const plan = planImages({ services: ['gateway', 'vllm-sim'], builder: 'podman', version: '0.1.0', tag: 'rc1', registry: 'registry.example:5000/llmd/', push: true });
    expect(plan.map(shellLine)).toEqual([
      'podman build -f deploy/images/Containerfile --target gateway --build-arg VERSION=0.1.0 -t registry.example:5000/llmd/llmd-gateway:rc1 .',
      'podman push registry.example:5000/llmd/llmd-gateway:rc1',
      'podman build -f deploy/images/Containerfile --target vllm-sim --build-arg VERSION=0.1.0 -t registry.example:5000/llmd/llmd-vllm-sim:rc1 .',
      'podman push registry.example:5000/llmd/llmd-vllm-sim:rc1',
    ]);
  });

  it('uses buildah build with the same flags', () => {
    expect(planImages({ services: ['operator'], builder: 'buildah', version: '2.0.0' })[0].slice(0, 2)).toEqual(['buildah', 'build']);
    expect(imageRef('cache-manager', '2.0.0')).toBe('llmd-cache-manager:2.0.0');
  });

  it('refuses a service that has no image, naming the choices', () => {
    expect(() => parseCommand(imagesCommand, ['--service', 'gateway,kafka'])).toThrow(/--service must be a comma-separated list of gateway, scheduler/);
    expect(() => parseCommand(imagesCommand, ['--builder', 'kaniko'])).toThrow(/--builder must be one of docker, podman, buildah/);
  });

  it('finds builders on PATH in the order docker, podman, buildah, by looking at files only', () => {
    const present = new Set(['/opt/bin/buildah', '/usr/bin/podman']);
    expect(buildersOnPath(['/opt/bin', '', '/usr/bin'].join(delimiter), (f) => present.has(f))).toEqual(['podman', 'buildah']);
    expect(buildersOnPath(undefined, () => true)).toEqual([]);
  });

  it('quotes only what a shell would split', () => {
    expect(shellLine(['docker', 'build', '-t', 'a b', "it's"])).toBe(`docker build -t 'a b' 'it'\\''s'`);
  });
});
