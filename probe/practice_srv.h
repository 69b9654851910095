/* practice_srv.h - the practice server's socket shell, shared by practice.c
 * (listeners, accepting, the public accessors) and practice_client.c (one
 * client's reads, writes, STARTTLS per RFC 3207, timeouts). Internal. */
#ifndef SMTPSCOPE_PRACTICE_SRV_H
#define SMTPSCOPE_PRACTICE_SRV_H
#include "decode/buf.h"
#include "probe/practice.h"
#include "probe/practice_session.h"

struct srvtls;
struct srvtls_conn;

struct practice_listener {
	int fd;
	bool tls;
	uint16_t port;
	char text[80];
};

struct practice {
	struct loop *l;
	practice_cb *cb;
	void *ud;
	char *hostname, *user, *password;
	struct practice_opts o;		/* bind list not kept */
	struct practice_session_cfg scfg;
	struct practice_shared shared;
	struct srvtls *tls;
	struct practice_listener lis[2 * PRACTICE_BIND_MAX];
	size_t nlis;
	uint16_t port, tls_port;
	struct practice_client *clients;
	size_t nclients;
	uint64_t next_id;
};

struct practice_client {
	struct practice *srv;
	struct practice_client *next;
	uint64_t id;
	int fd;
	char peer[80];
	struct practice_session *sess;
	struct srvtls_conn *tls;
	bool implicit;	   /* came in on the implicit-TLS port */
	bool hs;	   /* TLS handshake in progress */
	int hs_want;	   /* LOOP_READ or LOOP_WRITE for the handshake */
	bool tls_wait;	   /* STARTTLS accepted: the 220 drains, then the handshake */
	bool closing;	   /* write what is queued, then close */
	bool dead;
	bool read_wants_write, write_wants_read; /* TLS */
	struct buf in, out;
	uint64_t t_idle, t_hs, t_more, t_close;
	char why[160];
};

/* practice_client.c */
void practice_client_start(struct practice *p, int fd, const char *peer, bool implicit_tls);
/* Close at once (no reply): GONE is reported with why unless the server is
 * being freed. The memory is reaped by the loop. */
void practice_client_gone(struct practice_client *c, const char *why);
/* The server is stopping: best-effort 421, then close; no events. */
void practice_client_stop(struct practice_client *c);
void practice_emit(struct practice *p, struct practice_event *ev);

#endif
