/*
 * event_mac: the keyed MAC of a request event (issue 12, item 15). The
 * database computes the plain SHA-256 chain hash (event_hash.h); the MAC,
 * BLAKE2b keyed with a key derived from the secret key file, covers that
 * hash (hence the event's content and the hash before it) and is computed
 * here, so the key never reaches PostgreSQL. One BLAKE2b over 48 bytes per
 * event: cheap.
 */
#ifndef YSQGK_EVENT_MAC_H
#define YSQGK_EVENT_MAC_H

#include <stdbool.h>
#include <sodium.h>

#define EVENT_MAC_BYTES 32
#define EVENT_HASH_BYTES 32

/* Derives the event MAC key from a secret key (crypto_kdf, its own context). */
void event_mac_derive_key(unsigned char key[crypto_generichash_KEYBYTES],
			  const unsigned char secret_key[crypto_kdf_KEYBYTES]);

/* The MAC of an event whose chain hash is hash, under key number key_no. */
void event_mac(unsigned char out[EVENT_MAC_BYTES],
	       const unsigned char key[crypto_generichash_KEYBYTES], int key_no,
	       const unsigned char hash[EVENT_HASH_BYTES]);

/* The same MAC, hex in and hex out (64 hex digits + NUL); false on bad hex. */
bool event_mac_hex(char out[2 * EVENT_MAC_BYTES + 1],
		   const unsigned char key[crypto_generichash_KEYBYTES], int key_no,
		   const char *hash_hex);

/* Why an event's stored MAC (hex, mac_key key_no) does not vouch for its
 * hash under key (NULL: key_no is not in the secret key file); NULL when
 * it does. */
const char *event_mac_problem(const unsigned char *key, int key_no, const char *hash_hex,
			      const char *mac_hex);

#endif
