#include "core/event_mac.h"

#include <string.h>

static const char kdf_context[crypto_kdf_CONTEXTBYTES] = "ysqgkevt";

void event_mac_derive_key(unsigned char key[crypto_generichash_KEYBYTES],
			  const unsigned char secret_key[crypto_kdf_KEYBYTES])
{
	crypto_kdf_derive_from_key(key, crypto_generichash_KEYBYTES, 1, kdf_context, secret_key);
}

void event_mac(unsigned char out[EVENT_MAC_BYTES],
	       const unsigned char key[crypto_generichash_KEYBYTES], int key_no,
	       const unsigned char hash[EVENT_HASH_BYTES])
{
	/* "ysqgk-event-v1", the key number (big-endian), the hash. */
	unsigned char msg[16 + EVENT_HASH_BYTES] = "ysqgk-event-v1";
	msg[14] = (unsigned char)(key_no >> 8);
	msg[15] = (unsigned char)key_no;
	memcpy(msg + 16, hash, EVENT_HASH_BYTES);
	crypto_generichash(out, EVENT_MAC_BYTES, msg, sizeof msg, key, crypto_generichash_KEYBYTES);
}

bool event_mac_hex(char out[2 * EVENT_MAC_BYTES + 1],
		   const unsigned char key[crypto_generichash_KEYBYTES], int key_no,
		   const char *hash_hex)
{
	unsigned char hash[EVENT_HASH_BYTES], mac[EVENT_MAC_BYTES];
	size_t len;
	if (sodium_hex2bin(hash, sizeof hash, hash_hex, strlen(hash_hex), NULL, &len, NULL) ||
	    len != sizeof hash)
		return false;
	event_mac(mac, key, key_no, hash);
	sodium_bin2hex(out, 2 * EVENT_MAC_BYTES + 1, mac, sizeof mac);
	return true;
}

const char *event_mac_problem(const unsigned char *key, int key_no, const char *hash_hex,
			      const char *mac_hex)
{
	if (!key)
		return "its MAC key is not in the secret key file";
	char mac[2 * EVENT_MAC_BYTES + 1];
	if (!event_mac_hex(mac, key, key_no, hash_hex) || strlen(mac_hex) != sizeof mac - 1 ||
	    sodium_memcmp(mac, mac_hex, sizeof mac - 1))
		return "its MAC does not match its hash (rewritten, its hash recomputed)";
	return NULL;
}
