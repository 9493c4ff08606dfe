// Pod IPs from the node's loopback subnet (127.N.0.0/16): every address of 127.0.0.0/8 reaches this
// machine, so each pod can listen on its own container ports.

export class IpAllocator {
  private readonly base: number;
  private readonly size: number;
  private readonly used = new Set<number>();
  private cursor = 1;

  constructor(cidr: string) {
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
    if (!m) throw new Error(`pod subnet ${cidr} is not an IPv4 CIDR`);
    const [a, b, c, d, bits] = m.slice(1).map(Number);
    if (a !== 127) throw new Error(`pod subnet ${cidr} must be in 127.0.0.0/8 (the pods listen on loopback addresses)`);
    if (bits < 8 || bits > 30) throw new Error(`pod subnet ${cidr}: the prefix must be between /8 and /30`);
    this.size = 2 ** (32 - bits);
    this.base = (((a << 24) >>> 0) + (b << 16) + (c << 8) + d) & ~(this.size - 1);
  }

  private text(n: number): string {
    return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  }

  contains(ip: string): boolean {
    const parts = ip.split('.').map(Number);
    if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255))) return false;
    const n = ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
    return n > this.base && n < this.base + this.size - 1;
  }

  /** Takes this address (a pod that already had it) when it is in the subnet and free. */
  claim(ip: string): boolean {
    if (!this.contains(ip)) return false;
    const offset = ip.split('.').map(Number).reduce((acc, p) => acc * 256 + p, 0) - this.base;
    if (this.used.has(offset)) return false;
    this.used.add(offset);
    return true;
  }

  /** The next free address; throws when the subnet is full. */
  allocate(): string {
    for (let i = 0; i < this.size - 2; i++) {
      const offset = 1 + ((this.cursor - 1 + i) % (this.size - 2));
      if (this.used.has(offset)) continue;
      this.used.add(offset);
      this.cursor = offset + 1;
      return this.text(this.base + offset);
    }
    throw new Error('no free pod IP in the node\'s subnet');
  }

  release(ip: string): void {
    if (!this.contains(ip)) return;
    this.used.delete(ip.split('.').map(Number).reduce((acc, p) => acc * 256 + p, 0) - this.base);
  }
}
