/* pcapread.c - the benchmark's floor: a bare libpcap read loop over a capture
 * (pcap_fopen_offline + pcap_next_ex), counting packets and bytes, decoding
 * nothing. The file is read through the same 1 MB stdio buffer smtpscope
 * gives libpcap (decode/pcap_in.c), so the floor is the fastest plain read. */
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: pcapread FILE\n");
		return 2;
	}
	char err[PCAP_ERRBUF_SIZE];
	static char iobuf[1024 * 1024];
	FILE *fp = fopen(argv[1], "rb");
	if (!fp) {
		perror(argv[1]);
		return 2;
	}
	setvbuf(fp, iobuf, _IOFBF, sizeof iobuf);
	pcap_t *p = pcap_fopen_offline(fp, err);
	if (!p) {
		fprintf(stderr, "pcapread: %s\n", err);
		return 2;
	}
	struct pcap_pkthdr *h;
	const u_char *bytes;
	uint64_t packets = 0, caplen = 0, sum = 0;
	int rc;
	while ((rc = pcap_next_ex(p, &h, &bytes)) == 1) {
		packets++;
		caplen += h->caplen;
		if (h->caplen) /* touch the packet so the read is not optimised away */
			sum += bytes[h->caplen - 1];
	}
	int status = 0;
	if (rc == -1) {
		fprintf(stderr, "pcapread: %s: %s\n", argv[1], pcap_geterr(p));
		status = 1;
	}
	printf("packets %" PRIu64 " bytes %" PRIu64 " check %" PRIu64 "\n", packets, caplen, sum);
	pcap_close(p);
	return status;
}
