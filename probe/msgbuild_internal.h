/* msgbuild_internal.h - the message as a list of segments (memory, a text
 * file, a file to base64), shared by msgbuild.c (building) and
 * msgbuild_stream.c (reading). RFC 5322, RFC 2045. */
#ifndef SMTPSCOPE_MSGBUILD_INTERNAL_H
#define SMTPSCOPE_MSGBUILD_INTERNAL_H
#include "probe/msgbuild.h"

enum msgbuild_seg_kind {
	MSG_SEG_MEM,  /* bytes already in CRLF form */
	MSG_SEG_TEXT, /* a file, line ends converted, a final CRLF ensured */
	MSG_SEG_B64,  /* a file as base64 lines of 76 characters */
};

struct msgbuild_seg {
	enum msgbuild_seg_kind kind;
	uint8_t *mem;
	size_t len;
	char *path;
};

/* Bytes read from a file per refill; output of one refill is at most
 * 2 * MSG_READ_CHUNK + 4 (text) or 4/3 of it plus line ends (base64). */
#define MSG_READ_CHUNK 16384
/* 57 input bytes make one 76-character base64 line (RFC 2045 6.8). */
#define MSG_B64_LINE_IN 57
#define MSG_B64_GROUP (MSG_B64_LINE_IN * 256)
#define MSG_STAGE_MAX (2 * MSG_B64_GROUP + 4)

struct msgbuild {
	struct msgbuild_seg *segs;
	size_t nsegs;
	size_t cur;         /* segment being read */
	bool seg_open;
	int fd;
	size_t mem_off;
	struct msgbuild_crlf crlf;
	uint8_t last2[2];   /* the last two bytes produced by the open text segment */
	uint64_t seg_out;   /* bytes produced by the open segment */
	uint8_t b64_rem[MSG_B64_LINE_IN];
	size_t b64_rem_len;
	uint8_t *stage;     /* produced, not yet handed out */
	size_t stage_len, stage_off;
	bool eightbit;
	uint64_t offset;
	char err[256];
};

/* msgbuild_stream.c */
void msgbuild_seg_close(struct msgbuild *m);

#endif
