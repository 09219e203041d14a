/*
 * clamd: asks a ClamAV daemon about a file with its INSTREAM command
 * (clamd(8)): "zINSTREAM\0", then the data in chunks, each preceded by
 * its length as 4 bytes in network order, ended by a zero length; clamd
 * answers "stream: OK" or "stream: <virus> FOUND".
 */
#ifndef YSQGK_CLAMD_H
#define YSQGK_CLAMD_H

#include <stddef.h>

enum clamd_verdict {
	CLAMD_CLEAN,
	CLAMD_FOUND,		/* name[] says what */
	CLAMD_UNAVAILABLE,	/* no answer, an error answer, or a read failure */
};

/*
 * Scans the size bytes of fd (from offset 0) through the unix socket at
 * socket_path, waiting at most timeout_ms for each read or write. On
 * CLAMD_FOUND the signature's name goes to name (cut to namelen).
 */
enum clamd_verdict clamd_scan(const char *socket_path, int fd, size_t size,
			      int timeout_ms, char *name, size_t namelen);

#endif
