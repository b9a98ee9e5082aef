/**
 * A growable typed-array column: 4 bytes a row instead of a JS array's 8, and one copy to save or load it.
 * `data` may be longer than `length` (capacity); read it by index, never past `length`.
 */
export class Column<T extends Uint32Array | Int32Array | Uint8Array> {
  length = 0;

  constructor(
    public data: T,
    private readonly make: (capacity: number) => T,
  ) {}

  static u32(capacity = 1024): Column<Uint32Array> {
    return new Column(new Uint32Array(capacity), (n) => new Uint32Array(n));
  }

  static i32(capacity = 1024): Column<Int32Array> {
    return new Column(new Int32Array(capacity), (n) => new Int32Array(n));
  }

  static u8(capacity = 1024): Column<Uint8Array> {
    return new Column(new Uint8Array(capacity), (n) => new Uint8Array(n));
  }

  push(value: number): void {
    if (this.length === this.data.length) this.reserve(this.length + 1);
    this.data[this.length++] = value;
  }

  /** Room for `capacity` values; grows by half so a million rows do not leave a doubled tail. */
  reserve(capacity: number): void {
    if (capacity <= this.data.length) return;
    const grown = this.make(Math.max(capacity, Math.ceil(this.data.length * 1.5)));
    grown.set(this.data.subarray(0, this.length) as never);
    this.data = grown;
  }

  /** The values, exactly `length` of them (a view). */
  view(): T {
    return this.data.subarray(0, this.length) as T;
  }
}
