/* limits.h - every size cap applied to untrusted input, in one place, each with its reason. */
#ifndef SMTPSCOPE_LIMITS_H
#define SMTPSCOPE_LIMITS_H

/* RFC 5321 4.5.3.1.4/4.5.3.1.5: command and reply lines are at most 512 octets
 * including CRLF. Longer lines are flagged, but kept up to LINE_HARD_MAX so that
 * real-world overlong replies still read well. */
#define SMTP_LINE_RFC_MAX 512
/* Hard cap on one stored line; bytes past it are counted and dropped. */
#define SMTP_LINE_HARD_MAX 4096
/* RFC 5321 4.5.3.1.6: text lines in DATA are at most 1000 octets incl. CRLF. */
#define SMTP_TEXT_LINE_RFC_MAX 1000
/* Lines kept of one multi-line reply (an EHLO reply rarely exceeds 30). Further
 * lines are counted and flagged, not stored (cf. Postfix smtp_chat). */
#define SMTP_REPLY_MAX_LINES 100
/* Bytes kept of one multi-line reply's text. */
#define SMTP_REPLY_MAX_BYTES 16384
/* Commands awaiting a reply under PIPELINING before we stop tracking more. */
#define SMTP_PIPELINE_MAX 512
/* Recipients tracked per transaction; RFC 5321 4.5.3.1.8 requires servers to
 * accept at least 100, real servers cap at a few thousand. */
#define SMTP_RCPT_MAX 5000
/* Length of an address or parameter we keep; RFC 5321 4.5.3.1.3 path max is 256. */
#define SMTP_PATH_MAX 1024
/* ESMTP parameters kept per MAIL/RCPT command. */
#define SMTP_PARAMS_MAX 16
/* Message header block kept for header decoding (the body is only counted). */
#define SMTP_HEADER_BLOCK_MAX 65536

/* A bounce message read by `explain`: real DSNs are well under a megabyte;
 * larger inputs are read up to this cap and reported as truncated. */
#define BOUNCE_INPUT_MAX (16u * 1024u * 1024u)
/* Recipients reported from one bounce. */
#define BOUNCE_RCPT_MAX 1000

/* Header fields kept from one header block (RFC 5322 sets no limit; real
 * messages carry well under 200, bounces quoting long Received chains a few
 * hundred). Further fields are counted and flagged, not kept. */
#define HEADER_FIELDS_MAX 1024
/* Nesting of multipart bodies followed by the MIME walker (RFC 2046 sets no
 * limit; bounces nest two or three deep). Deeper parts are skipped. */
#define MIME_DEPTH_MAX 8
/* MIME parts visited in one message, to bound work on hostile input. */
#define MIME_PARTS_MAX 512
/* Bytes kept of one decoded header value (RFC 2047 words converted to UTF-8). */
#define HEADER_VALUE_MAX 16384

/* TLS handshake bytes collected per direction to read the hellos and a clear
 * certificate chain; real chains are a few KB, 64 KB covers large ones. */
#define TLS_HANDSHAKE_MAX 65536

/* Capture decoder (decode/pkt.c, ipfrag.c, flow.c, tcp_reasm.c). Memory is
 * bounded by the work in flight, never by the size of the capture. */
/* VLAN tags (802.1Q, 802.1ad QinQ) peeled off one Ethernet frame; real stacks
 * carry one or two. */
#define PKT_VLAN_MAX 4
/* IPv6 extension headers walked before giving up (RFC 8200 4.1 expects a few;
 * longer chains are an evasion attempt). */
#define PKT_IP6_EXT_MAX 8
/* IP datagrams being reassembled at once; the oldest is dropped past this. */
#define IPFRAG_DGRAMS_MAX 256
/* Bytes held by all datagrams being reassembled. */
#define IPFRAG_BYTES_MAX (8u * 1024u * 1024u)
/* Separate pieces (after merging adjacent ones) of one datagram; tiny
 * overlapping fragments past this drop the datagram. */
#define IPFRAG_PIECES_MAX 64
/* Largest reassembled datagram payload: fragment offset (13 bits * 8) plus
 * one maximal fragment. */
#define IPFRAG_DGRAM_MAX (65535u + 65528u)
/* Capture-time microseconds a datagram may wait for its missing fragments
 * (RFC 791 suggests at least 15 s; Linux uses 30 s). */
#define IPFRAG_TIMEOUT_USEC (30LL * 1000000LL)
/* TCP connections tracked at once; past this the least recently active one is
 * closed with reason "table full". */
#define FLOW_TABLE_MAX 65536
/* Capture-time microseconds without a packet after which a flow is closed as
 * idle. RFC 5321 4.5.3.2 lets a server wait 5 minutes for a command; doubled. */
#define FLOW_IDLE_USEC (600LL * 1000000LL)
/* How long a flow closed by FIN or RST keeps absorbing late packets (final
 * ACKs, retransmissions) before its slot is reused: about 2 * MSL, shortened. */
#define FLOW_LINGER_USEC (30LL * 1000000LL)
/* Out-of-order bytes buffered per direction of one flow while a hole waits to
 * be filled; past this the hole is declared a gap. */
#define REASM_OOO_DIR_MAX (1024u * 1024u)
/* Out-of-order bytes buffered over all flows. */
#define REASM_OOO_TOTAL_MAX (64u * 1024u * 1024u)
/* Out-of-order segments held per direction (bounds list walking on hostile
 * input of one-byte segments). */
#define REASM_OOO_SEGS_MAX 512
/* Bookkeeping bytes charged per buffered segment against the caps above. */
#define REASM_SEG_OVERHEAD 64u
/* Segments further ahead of the next expected byte than this, and ACKs
 * jumping further, are ignored as garbage (RFC 7323: the largest window). */
#define REASM_WINDOW_MAX (1u << 30)

/* Received fields kept per message in a timeline; a normal path has under
 * 15 hops (RFC 5321 6.3 loop detection counts about 100). */
#define MSGHDR_RECEIVED_MAX 100

/* probe/ (network): DNS answers kept. A name rarely has more than a dozen
 * addresses; round-robin pools stay well under 64. */
#define DNS_ADDRS_MAX 64
/* MX records kept (and resolved) per domain; large providers publish under 10. */
#define DNS_MX_MAX 32
/* Answer records looked at in one DNS message (each takes >= 11 octets, so a
 * 64 KiB TCP answer could claim ~6000). */
#define DNS_ANSWER_RR_MAX 512
/* Default cap of a connection's output buffer: commands are short and a DATA
 * body is fed in chunks by the session, so 1 MiB is ample. */
#define CONN_OUT_MAX (1024u * 1024u)
/* Bytes read from a socket per read call, and per readiness event before
 * yielding to the loop (fairness with the keyboard and other sockets). */
#define CONN_READ_CHUNK 16384
#define CONN_READ_BUDGET (4u * CONN_READ_CHUNK)
/* Certificates reported from a peer's chain (real chains have 2-4). */
#define TLS_CHAIN_MAX 16
/* Text kept of one certificate field (subject, issuer, SAN list). */
#define TLS_FIELD_MAX 4096

/* SMTP parser (decode/smtp_*.c) and transaction model (decode/txn.c). */
/* RFC 4954 4: servers must accept AUTH lines (and responses) up to 12288
 * octets; AUTH lines are kept up to this, other command lines up to
 * SMTP_LINE_HARD_MAX. */
#define SMTP_AUTH_LINE_MAX 12288
/* Client bytes held while DATA or STARTTLS awaits its reply (a client that
 * does not wait); past this they are counted and dropped. */
#define SMTP_HOLD_MAX 65536
/* Anomalies kept per session in the transaction model; more are counted. */
#define SMTP_SESSION_ANOMALY_MAX 1000
/* Commands kept per session when the model keeps everything; more are counted
 * (the streaming mode hands each one over instead and keeps none). */
#define SMTP_SESSION_COMMANDS_MAX 100000
/* Reply text kept per command or step in the model (the parser keeps up to
 * SMTP_REPLY_MAX_BYTES while assembling). */
#define SMTP_TXN_REPLY_TEXT_MAX 4096

/* Practice server (probe/practice*.c). */
/* Bytes of one accepted message copied into the message event (the whole
 * message is counted against the SIZE limit but only this much is kept). */
#define PRACTICE_MSG_KEEP_MAX (1024u * 1024u)
/* Replies queued for one client before the server stops reading its
 * commands (a pipelining client that never reads cannot grow memory). */
#define PRACTICE_OUT_HIGH 65536
/* Unprocessed client bytes held per connection while replies drain. */
#define PRACTICE_IN_MAX 65536
/* Recipients accepted per transaction: RFC 5321 4.5.3.1.8 asks for at
 * least 100, and 100 is what the practice server teaches. */
#define PRACTICE_RCPT_MAX 100
/* Sender/recipient pairs remembered by the greylisting teaching address. */
#define PRACTICE_GREYLIST_MAX 1024

/* Live client sessions (probe/session*.c). */
/* Transcript entries kept for the screen; older ones are dropped and counted
 * (a session that runs for hours, or a peer that sends line after line). */
#define SESSION_ENTRIES_MAX 100000
/* Bytes of line text kept by those entries together. */
#define SESSION_TRANSCRIPT_BYTES_MAX (64u * 1024u * 1024u)
/* Bytes a server may send without completing a reply to what we wait for
 * (an endless line, endless continuation lines, garbage) before we hang up;
 * a real EHLO reply is a few hundred bytes. */
#define SESSION_REPLY_BYTES_MAX (1024u * 1024u)
/* Notes (anomalies) attached to one transcript entry; more are counted. */
#define SESSION_NOTES_MAX 16
/* Recipients refused in one session that the result lists. */
#define SESSION_REJECTED_MAX 1000
/* One line of user input (typed, or from a script); longer ones are refused. */
#define SESSION_INPUT_LINE_MAX (64u * 1024u)
/* Queued user input before the reader should pause (session_input_room). */
#define SESSION_INPUT_QUEUE_MAX (1024u * 1024u)

/* Capture decoder: packets taken in a different order than the peers sent
 * them (decode/flow.c). A segment acknowledging bytes of the other direction
 * not seen yet waits for them at most this many later packets of its
 * connection, or this much capture time, before the bytes are declared a gap
 * (a capture point between two queues often swaps nearby packets). */
#define FLOW_REORDER_PKTS 8
#define FLOW_REORDER_USEC (200LL * 1000LL)
/* Segments of one connection waiting so at once; past this the oldest goes on. */
#define FLOW_REORDER_MAX 32

#endif
