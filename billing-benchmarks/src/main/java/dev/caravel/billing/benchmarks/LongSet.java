package dev.caravel.billing.benchmarks;

/**
 * A set of non-zero longs by open addressing: 8 bytes a slot, at most half full. Not thread-safe.
 * The benchmark's rail keeps ids in it as 64-bit hashes ({@link #hash}), so that what the rail
 * remembers does not weigh on the heap the engine is measured in.
 */
final class LongSet {
  private long[] slots = new long[1 << 10];
  private int size;

  /** True if {@code value} (not 0) was not in the set. */
  boolean add(long value) {
    if (value == 0) {
      throw new IllegalArgumentException("0 marks an empty slot");
    }
    if (2 * (size + 1) > slots.length) {
      grow();
    }
    if (!insert(slots, value)) {
      return false;
    }
    size++;
    return true;
  }

  int size() {
    return size;
  }

  private static boolean insert(long[] table, long value) {
    int mask = table.length - 1;
    for (int i = (int) mix(value) & mask; ; i = (i + 1) & mask) {
      if (table[i] == value) {
        return false;
      }
      if (table[i] == 0) {
        table[i] = value;
        return true;
      }
    }
  }

  private void grow() {
    long[] bigger = new long[slots.length * 2];
    for (long value : slots) {
      if (value != 0) {
        insert(bigger, value);
      }
    }
    slots = bigger;
  }

  /** FNV-1a over the string's chars, 64 bits, never 0. */
  static long hash(String s) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < s.length(); i++) {
      h ^= s.charAt(i);
      h *= 0x100000001b3L;
    }
    return h == 0 ? 1 : h;
  }

  /** Spreads a value's bits over the low ones that pick its slot. */
  private static long mix(long v) {
    v ^= v >>> 33;
    v *= 0xff51afd7ed558ccdL;
    v ^= v >>> 33;
    return v;
  }
}
