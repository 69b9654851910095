/* fuzz_frames.h - the input format the capture fuzz targets share: after the
 * first byte, records of
 *   [1 byte: bit 7 = frame cut by the snapshot length, bits 0-6 = time step in 100 ms]
 *   [2 bytes big-endian: frame length] [frame bytes]
 * each handed to the flow table as one frame of link type lt. */
#ifndef SMTPSCOPE_FUZZ_FRAMES_H
#define SMTPSCOPE_FUZZ_FRAMES_H
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode/flow.h"

static inline void fuzz_feed_frames(struct flow_table *t, int lt, int64_t ts, const uint8_t *data, size_t size)
{
	size_t off = 1;
	while (size - off >= 3) {
		uint8_t ctl = data[off];
		size_t len = (size_t)data[off + 1] << 8 | data[off + 2];
		off += 3;
		if (len > size - off)
			len = size - off;
		ts += (int64_t)(ctl & 0x7f) * 100000;
		/* a private copy so ASan sees reads past the frame */
		uint8_t *frame = malloc(len ? len : 1);
		memcpy(frame, data + off, len);
		flow_table_packet(t, lt, ts, frame, len, len + ((ctl & 0x80) ? 100 : 0));
		free(frame);
		off += len;
	}
}

#endif
