/*
 * A fast non-cryptographic 64-bit hash for page and buffer checksums: four
 * independent multiply-xorshift lanes over 8-byte words, then a splitmix
 * finish that also mixes in the length. Any length and alignment.
 * Detects corruption; not meant to resist an adversary.
 */
#ifndef DSMIG_GUEST_HASH_H
#define DSMIG_GUEST_HASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t hash64(const void *data, size_t len, uint64_t seed);

#endif /* DSMIG_GUEST_HASH_H */
