/* test_conn_tls.c - TLS through probe/conn against a real OpenSSL server
 * forked on loopback, with throwaway certificates made here: verification
 * failure (self-signed), success with a CA file, host-name mismatch, the
 * reported chain/protocol/cipher, STARTTLS (RFC 3207), a drop during the
 * handshake, a handshake timeout, DANE-EE 3 1 1 match and mismatch (RFC 6698),
 * alerts, client certificates, version and cipher options, truncation.
 * With SMTPSCOPE_TEST_TLS=host:port and SMTPSCOPE_TEST_TLS_CA=file (set by
 * tests/it_conn.sh) it also talks to an external `openssl s_server`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe/conn.h"
#include "probe/loop.h"

static char tmpdir[256];
static char ca_pem[300], leaf_pem[300], leaf_key[300], ss_pem[300], ss_key[300];
static char cl_pem[300], cl_key[300];
static uint8_t ss_spki_sha256[32];

/* ---------- throwaway certificates ---------- */

static void add_ext(X509 *x, X509V3_CTX *v, int nid, const char *value)
{
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, v, nid, value);
	assert_non_null(e);
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
}

static X509 *cert_new(EVP_PKEY *key, const char *cn, const char *san, X509 *iss, EVP_PKEY *iss_key,
		      bool ca, long serial)
{
	X509 *x = X509_new();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 30);
	X509_set_pubkey(x, key);
	X509_NAME *nm = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, iss ? X509_get_subject_name(iss) : nm);
	X509V3_CTX v;
	X509V3_set_ctx_nodb(&v);
	X509V3_set_ctx(&v, iss ? iss : x, x, NULL, NULL, 0);
	add_ext(x, &v, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
	if (ca)
		add_ext(x, &v, NID_key_usage, "critical,keyCertSign,cRLSign");
	if (san)
		add_ext(x, &v, NID_subject_alt_name, san);
	assert_true(X509_sign(x, iss_key ? iss_key : key, EVP_sha256()) > 0);
	return x;
}

static void write_pem(const char *path, X509 *x, EVP_PKEY *k)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	if (x)
		PEM_write_X509(f, x);
	if (k)
		PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
	fclose(f);
}

static int group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "%s/smtpscope-tls-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : P_tmpdir);
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(ca_pem, sizeof ca_pem, "%s/ca.pem", tmpdir);
	snprintf(leaf_pem, sizeof leaf_pem, "%s/leaf.pem", tmpdir);
	snprintf(leaf_key, sizeof leaf_key, "%s/leaf.key", tmpdir);
	snprintf(ss_pem, sizeof ss_pem, "%s/ss.pem", tmpdir);
	snprintf(ss_key, sizeof ss_key, "%s/ss.key", tmpdir);
	snprintf(cl_pem, sizeof cl_pem, "%s/client.pem", tmpdir);
	snprintf(cl_key, sizeof cl_key, "%s/client.key", tmpdir);
	EVP_PKEY *cak = EVP_EC_gen("P-256"), *lk = EVP_EC_gen("P-256"), *sk = EVP_EC_gen("P-256");
	EVP_PKEY *ck = EVP_EC_gen("P-256");
	X509 *ca = cert_new(cak, "smtpscope test CA", NULL, NULL, NULL, true, 1);
	X509 *leaf = cert_new(lk, "mx.test", "DNS:mx.test", ca, cak, false, 2);
	X509 *ss = cert_new(sk, "mx.test", "DNS:mx.test", NULL, NULL, false, 3);
	X509 *cl = cert_new(ck, "client.test", NULL, ca, cak, false, 4);
	write_pem(ca_pem, ca, NULL);
	write_pem(leaf_pem, leaf, NULL);
	write_pem(leaf_key, NULL, lk);
	write_pem(ss_pem, ss, NULL);
	write_pem(ss_key, NULL, sk);
	write_pem(cl_pem, cl, NULL);
	write_pem(cl_key, NULL, ck);
	/* TLSA 3 1 1 data: SHA-256 of the DER SubjectPublicKeyInfo (RFC 6698 2.1.2). */
	unsigned char *der = NULL;
	int len = i2d_PUBKEY(X509_get0_pubkey(ss), &der);
	unsigned int mdlen = 0;
	EVP_Digest(der, (size_t)len, ss_spki_sha256, &mdlen, EVP_sha256(), NULL);
	OPENSSL_free(der);
	X509_free(ca);
	X509_free(leaf);
	X509_free(ss);
	X509_free(cl);
	EVP_PKEY_free(cak);
	EVP_PKEY_free(lk);
	EVP_PKEY_free(sk);
	EVP_PKEY_free(ck);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	const char *files[] = {ca_pem, leaf_pem, leaf_key, ss_pem, ss_key, cl_pem, cl_key};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		unlink(files[i]);
	rmdir(tmpdir);
	return 0;
}

/* ---------- the forked server ---------- */

enum smode { S_TLS, S_STARTTLS, S_DROP_HS, S_SILENT, S_TLS12MAX, S_CLIENTCERT, S_TRUNCATE };

struct server {
	pid_t pid;
	int lfd;
	uint16_t port;
};

/* Read (plain fd or ssl) until needle is seen; false on EOF or error. */
static bool srv_read_until(int fd, SSL *ssl, const char *needle)
{
	char b[2048];
	size_t n = 0;
	while (n < sizeof b - 1) {
		int r = ssl ? SSL_read(ssl, b + n, (int)(sizeof b - 1 - n)) : (int)read(fd, b + n, sizeof b - 1 - n);
		if (r <= 0)
			return false;
		n += (size_t)r;
		b[n] = '\0';
		if (strstr(b, needle))
			return true;
	}
	return false;
}

static void srv_put(int fd, SSL *ssl, const char *s)
{
	if (ssl)
		SSL_write(ssl, s, (int)strlen(s));
	else if (write(fd, s, strlen(s)) < 0)
		_exit(3);
}

static void child_tls(int fd, enum smode mode, const char *cert, const char *key)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	SSL_CTX_use_certificate_chain_file(ctx, cert);
	SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM);
	if (mode == S_TLS12MAX)
		SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
	if (mode == S_CLIENTCERT) {
		SSL_CTX_load_verify_locations(ctx, ca_pem, NULL);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	}
	SSL *ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) != 1)
		_exit(0);
	if (mode == S_CLIENTCERT) {
		char line[200], cn[100] = "?";
		X509 *pc = SSL_get0_peer_certificate(ssl);
		if (pc)
			X509_NAME_get_text_by_NID(X509_get_subject_name(pc), NID_commonName, cn, sizeof cn);
		snprintf(line, sizeof line, "220 client=%s\r\n", cn);
		srv_put(fd, ssl, line);
	} else {
		srv_put(fd, ssl, "220 tls ready\r\n");
	}
	if (mode == S_TRUNCATE)
		_exit(0); /* TCP closes with no close_notify */
	if (srv_read_until(fd, ssl, "QUIT\r\n"))
		srv_put(fd, ssl, "221 bye\r\n");
	SSL_shutdown(ssl);
	_exit(0);
}

static void child_run(int lfd, enum smode mode, const char *cert, const char *key)
{
	alarm(10);
	int fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		_exit(1);
	switch (mode) {
	case S_SILENT:
		pause();
		_exit(0);
	case S_DROP_HS: {
		char b[512];
		if (read(fd, b, sizeof b) <= 0) /* the ClientHello, then hang up */
			_exit(1);
		_exit(0);
	}
	case S_STARTTLS:
		srv_put(fd, NULL, "220 plain ready\r\n");
		if (!srv_read_until(fd, NULL, "EHLO"))
			_exit(1);
		srv_put(fd, NULL, "250-localhost\r\n250 STARTTLS\r\n");
		if (!srv_read_until(fd, NULL, "STARTTLS\r\n"))
			_exit(1);
		srv_put(fd, NULL, "220 go ahead\r\n");
		child_tls(fd, mode, cert, key);
		break;
	default: child_tls(fd, mode, cert, key); break;
	}
	_exit(0);
}

static void server_start(struct server *s, enum smode mode, const char *cert, const char *key)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t sl = sizeof a;
	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s->lfd >= 0);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(s->lfd, 4), 0);
	assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&a, &sl), 0);
	s->port = ntohs(a.sin_port);
	fflush(NULL);
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0)
		child_run(s->lfd, mode, cert, key);
}

static void server_stop(struct server *s)
{
	close(s->lfd);
	for (int i = 0; i < 100; i++) { /* up to 2 s for it to finish alone */
		if (waitpid(s->pid, NULL, WNOHANG) == s->pid)
			return;
		usleep(20000);
	}
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
}

/* ---------- the client side ---------- */

struct trec {
	int counts[CONN_EV_LAST];
	enum conn_err err;
	char detail[600];
	char data[2048];
	size_t len;
	bool done, quit_sent, ehlo_sent, starttls_sent, upgraded, start_tls_refused_early;
	/* From TLS_DONE or a failed handshake. */
	bool got_tls, verified, dane, dane_matched;
	int dane_depth, dane_usage;
	char protocol[32], cipher[64], verify_error[128], subject[256], issuer[256];
	char key_type[16], sig_alg[64], not_after[40], spki[65];
	int key_bits;
	size_t chain_len;
	uint8_t dane_data[32];
};

static void trec_tls(struct trec *r, const struct tls_info *t)
{
	r->got_tls = true;
	r->verified = t->verified;
	snprintf(r->protocol, sizeof r->protocol, "%s", t->protocol ? t->protocol : "");
	snprintf(r->cipher, sizeof r->cipher, "%s", t->cipher ? t->cipher : "");
	snprintf(r->verify_error, sizeof r->verify_error, "%s", t->verify_error ? t->verify_error : "");
	r->dane = t->dane;
	r->dane_matched = t->dane_matched;
	r->dane_depth = t->dane_depth;
	r->dane_usage = t->dane_record.usage;
	if (t->dane_matched && t->dane_record.len == 32)
		memcpy(r->dane_data, t->dane_record.data, 32);
	r->chain_len = t->chain_len;
	if (t->chain_len) {
		const struct tls_cert *c = &t->chain[0];
		snprintf(r->subject, sizeof r->subject, "%s", c->subject);
		snprintf(r->issuer, sizeof r->issuer, "%s", c->issuer);
		snprintf(r->key_type, sizeof r->key_type, "%s", c->key_type);
		snprintf(r->sig_alg, sizeof r->sig_alg, "%s", c->sig_alg);
		snprintf(r->not_after, sizeof r->not_after, "%s", c->not_after);
		snprintf(r->spki, sizeof r->spki, "%s", c->spki_sha256);
		r->key_bits = c->key_bits;
	}
}

static void trec_data(struct conn *c, struct trec *r, const struct conn_event *ev)
{
	size_t room = sizeof r->data - 1 - r->len; /* keep what fits */
	size_t n = ev->len < room ? ev->len : room;
	memcpy(r->data + r->len, ev->data, n);
	r->len += n;
	r->data[r->len] = '\0';
	if (strstr(r->data, "220 plain ready\r\n") && !r->ehlo_sent) {
		r->ehlo_sent = conn_write(c, "EHLO me\r\n", 9);
	} else if (strstr(r->data, "250 STARTTLS\r\n") && !r->starttls_sent) {
		r->starttls_sent = conn_write(c, "STARTTLS\r\n", 10);
	} else if (strstr(r->data, "220 go ahead\r\n") && !r->upgraded) {
		r->upgraded = conn_start_tls(c);
		assert_true(r->upgraded);
	} else if (!r->quit_sent && (strstr(r->data, "220 tls ready\r\n") || strstr(r->data, "220 client="))) {
		r->quit_sent = conn_write(c, "QUIT\r\n", 6);
	}
}

static void trec_cb(struct conn *c, const struct conn_event *ev, void *ud)
{
	struct trec *r = ud;
	r->counts[ev->type]++;
	switch (ev->type) {
	case CONN_EV_TLS_DONE: trec_tls(r, ev->tls); break;
	case CONN_EV_DATA: trec_data(c, r, ev); break;
	case CONN_EV_EOF:
	case CONN_EV_ERROR:
		r->err = ev->err;
		snprintf(r->detail, sizeof r->detail, "%s", ev->detail ? ev->detail : "");
		if (ev->tls && !r->got_tls)
			trec_tls(r, ev->tls);
		r->done = true;
		break;
	default: break;
	}
}

/* Connect to the forked server with opts filled by the caller, run to the end. */
static struct conn *run_client(struct loop *l, struct conn_opts *o, struct trec *r, uint16_t port)
{
	static const char *const lo[] = {"127.0.0.1"};
	memset(r, 0, sizeof *r);
	if (!o->host)
		o->host = "mx.test";
	o->port = port;
	o->addrs = lo;
	o->naddrs = 1;
	struct conn *c = conn_new(l, NULL, o, trec_cb, r);
	assert_non_null(c);
	r->start_tls_refused_early = !conn_start_tls(c);
	uint64_t end = loop_clock_ms() + 8000;
	while (!r->done && loop_clock_ms() < end)
		loop_run_once(l, 50);
	assert_true(r->done);
	return c;
}

static void one_case(enum smode mode, const char *cert, const char *key, struct conn_opts *o, struct trec *r)
{
	struct loop *l = loop_new();
	struct server s;
	server_start(&s, mode, cert, key);
	struct conn *c = run_client(l, o, r, s.port);
	conn_free(c);
	loop_run_once(l, 0);
	loop_free(l);
	server_stop(&s);
}

static void test_selfsigned_rejected(void **state)
{
	(void)state;
	struct trec r;
	struct conn_opts o = {.tls = true};
	one_case(S_TLS, ss_pem, ss_key, &o, &r);
	assert_int_equal(r.err, CONN_ERR_TLS_VERIFY);
	assert_true(strstr(r.detail, "self-signed") || strstr(r.detail, "self signed"));
	assert_int_equal(r.counts[CONN_EV_TLS_DONE], 0);
	assert_true(r.got_tls); /* the chain is still reported */
	assert_false(r.verified);
	assert_int_equal(r.chain_len, 1);
	assert_non_null(strstr(r.subject, "CN=mx.test"));
}

static void test_ca_trusted(void **state)
{
	(void)state;
	struct trec r;
	struct conn_opts o = {.tls = true, .tls_opts = {.ca_file = ca_pem}};
	one_case(S_TLS, leaf_pem, leaf_key, &o, &r);
	assert_true(r.start_tls_refused_early);
	assert_int_equal(r.counts[CONN_EV_TLS_DONE], 1);
	assert_true(r.verified);
	assert_string_equal(r.verify_error, "");
	assert_string_equal(r.protocol, "TLSv1.3");
	assert_true(strncmp(r.cipher, "TLS_", 4) == 0);
	assert_non_null(strstr(r.subject, "CN=mx.test"));
	assert_non_null(strstr(r.issuer, "CN=smtpscope test CA"));
	assert_string_equal(r.key_type, "EC");
	assert_int_equal(r.key_bits, 256);
	assert_string_equal(r.sig_alg, "ecdsa-with-SHA256");
	assert_non_null(strstr(r.not_after, "UTC"));
	assert_int_equal(strlen(r.spki), 64);
	assert_string_equal(r.data, "220 tls ready\r\n221 bye\r\n");
	assert_int_equal(r.counts[CONN_EV_EOF], 1); /* close_notify */
}

static void test_hostname_mismatch(void **state)
{
	(void)state;
	struct trec r;
	struct conn_opts o = {.host = "other.test", .tls = true, .tls_opts = {.ca_file = ca_pem}};
	one_case(S_TLS, leaf_pem, leaf_key, &o, &r);
	assert_int_equal(r.err, CONN_ERR_TLS_VERIFY);
	assert_non_null(strstr(r.detail, "hostname mismatch"));
}

static void test_insecure_continues(void **state)
{
	(void)state;
	struct trec r;
	struct conn_opts o = {.tls = true, .tls_opts = {.insecure = true}};
	one_case(S_TLS, ss_pem, ss_key, &o, &r);
	assert_int_equal(r.counts[CONN_EV_TLS_DONE], 1);
	assert_false(r.verified);
	assert_true(strstr(r.verify_error, "self-signed") || strstr(r.verify_error, "self signed"));
	assert_int_equal(r.counts[CONN_EV_EOF], 1);
	assert_non_null(strstr(r.data, "221 bye"));
}

static void test_starttls(void **state)
{
	(void)state;
	struct trec r;
	struct conn_opts o = {.tls_opts = {.ca_file = ca_pem}};
	one_case(S_STARTTLS, leaf_pem, leaf_key, &o, &r);
	assert_true(r.upgraded);
	assert_int_equal(r.counts[CONN_EV_TLS_DONE], 1);
	assert_true(r.verified);
	assert_string_equal(r.data, "220 plain ready\r\n250-localhost\r\n250 STARTTLS\r\n220 go ahead\r\n"
				    "220 tls ready\r\n221 bye\r\n");
	assert_int_equal(r.counts[CONN_EV_EOF], 1);
}

static void test_drop_mid_handshake(void **state)
{
	(void)state;
	struct trec r;
	struct conn_opts o = {.tls = true};
	one_case(S_DROP_HS, ss_pem, ss_key, &o, &r);
	assert_true(r.err == CONN_ERR_TLS_HANDSHAKE || r.err == CONN_ERR_RESET);
	if (r.err == CONN_ERR_TLS_HANDSHAKE)
		assert_non_null(strstr(r.detail, "during the TLS handshake"));
	assert_int_equal(r.counts[CONN_EV_TLS_DONE], 0);
}

static void test_handshake_timeout(void **state)
{
	(void)state;
	struct trec r;
	struct conn_opts o = {.tls = true, .tls_timeout_ms = 200};
	uint64_t t0 = loop_clock_ms();
	one_case(S_SILENT, ss_pem, ss_key, &o, &r);
	assert_int_equal(r.err, CONN_ERR_TLS_TIMEOUT);
	assert_non_null(strstr(r.detail, "200 ms"));
	assert_true(loop_clock_ms() - t0 >= 190);
}

static void test_dane_match(void **state)
{
	(void)state;
	struct trec r;
	struct dns_tlsa rec = {.usage = 3, .selector = 1, .mtype = 1, .data = ss_spki_sha256, .len = 32};
	struct conn_opts o = {.tls = true, .tls_opts = {.tlsa = &rec, .ntlsa = 1, .no_system_ca = true}};
	one_case(S_TLS, ss_pem, ss_key, &o, &r);
	assert_int_equal(r.counts[CONN_EV_TLS_DONE], 1);
	assert_true(r.verified);
	assert_true(r.dane);
	assert_true(r.dane_matched);
	assert_int_equal(r.dane_depth, 0);
	assert_int_equal(r.dane_usage, 3);
	assert_memory_equal(r.dane_data, ss_spki_sha256, 32);
	/* The reported SPKI digest is the TLSA data a user would publish. */
	char hex[65];
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", ss_spki_sha256[i]);
	assert_string_equal(r.spki, hex);
}

static void test_dane_nomatch(void **state)
{
	(void)state;
	struct trec r;
	uint8_t wrong[32];
	memcpy(wrong, ss_spki_sha256, 32);
	wrong[0] ^= 0xff;
	struct dns_tlsa rec = {.usage = 3, .selector = 1, .mtype = 1, .data = wrong, .len = 32};
	struct conn_opts o = {.tls = true, .tls_opts = {.tlsa = &rec, .ntlsa = 1}};
	one_case(S_TLS, ss_pem, ss_key, &o, &r);
	assert_int_equal(r.err, CONN_ERR_TLS_VERIFY);
	assert_non_null(strstr(r.detail, "DANE"));
	assert_true(r.dane);
	assert_false(r.dane_matched);
}

static void test_alert_protocol_version(void **state)
{
	(void)state;
	struct trec r;
	struct conn_opts o = {.tls = true, .tls_opts = {.insecure = true, .min_version = TLS1_3_VERSION}};
	one_case(S_TLS12MAX, ss_pem, ss_key, &o, &r);
	assert_int_equal(r.err, CONN_ERR_TLS_ALERT);
	assert_non_null(strstr(r.detail, "protocol version"));
}

static void test_tls12_cipher(void **state)
{
	(void)state;
	struct trec r;
	struct conn_opts o = {.tls = true, .tls_opts = {.insecure = true, .max_version = TLS1_2_VERSION,
							.ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256"}};
	one_case(S_TLS, ss_pem, ss_key, &o, &r);
	assert_int_equal(r.counts[CONN_EV_TLS_DONE], 1);
	assert_string_equal(r.protocol, "TLSv1.2");
	assert_string_equal(r.cipher, "ECDHE-ECDSA-AES128-GCM-SHA256");
}

static void test_client_cert(void **state)
{
	(void)state;
	struct trec r;
	struct conn_opts o = {.tls = true, .tls_opts = {.ca_file = ca_pem, .cert_file = cl_pem, .key_file = cl_key}};
	one_case(S_CLIENTCERT, leaf_pem, leaf_key, &o, &r);
	assert_non_null(strstr(r.data, "220 client=client.test\r\n"));
	assert_int_equal(r.counts[CONN_EV_EOF], 1);
	/* Without one, TLS 1.3 finishes on our side, then the server's alert comes. */
	struct conn_opts o2 = {.tls = true, .tls_opts = {.ca_file = ca_pem}};
	one_case(S_CLIENTCERT, leaf_pem, leaf_key, &o2, &r);
	assert_int_equal(r.err, CONN_ERR_TLS_ALERT);
	assert_non_null(strstr(r.detail, "certificate required"));
}

static void test_truncated(void **state)
{
	(void)state;
	struct trec r;
	struct conn_opts o = {.tls = true, .tls_opts = {.ca_file = ca_pem}};
	one_case(S_TRUNCATE, leaf_pem, leaf_key, &o, &r);
	assert_non_null(strstr(r.data, "220 tls ready"));
	assert_true(r.err == CONN_ERR_TLS_TRUNCATED || r.err == CONN_ERR_RESET);
}

static void test_setup_error(void **state)
{
	(void)state;
	struct trec r;
	struct conn_opts o = {.tls = true, .tls_opts = {.cert_file = "/nonexistent/client.pem"}};
	one_case(S_SILENT, ss_pem, ss_key, &o, &r);
	assert_int_equal(r.err, CONN_ERR_TLS_SETUP);
	assert_non_null(strstr(r.detail, "client certificate"));
}

/* An external `openssl s_server -www` started by tests/it_conn.sh. */
static void test_external_s_server(void **state)
{
	(void)state;
	const char *hp = getenv("SMTPSCOPE_TEST_TLS");
	const char *ca = getenv("SMTPSCOPE_TEST_TLS_CA");
	if (!hp || !ca) {
		printf("skip - no external TLS server (run tests/it_conn.sh)\n");
		skip();
	}
	const char *colon = strrchr(hp, ':');
	assert_non_null(colon);
	char ip[64];
	snprintf(ip, sizeof ip, "%.*s", (int)(colon - hp), hp);
	long port = strtol(colon + 1, NULL, 10);
	assert_true(port > 0 && port < 65536);
	struct loop *l = loop_new();
	struct trec r;
	const char *addrs[] = {ip};
	struct conn_opts o = {.host = "mx.smtpscope.test", .port = (uint16_t)port, .addrs = addrs,
			      .naddrs = 1, .tls = true, .tls_opts = {.ca_file = ca}};
	memset(&r, 0, sizeof r);
	struct conn *c = conn_new(l, NULL, &o, trec_cb, &r);
	uint64_t end = loop_clock_ms() + 8000;
	while (!r.got_tls && !r.done && loop_clock_ms() < end)
		loop_run_once(l, 50);
	assert_true(r.got_tls);
	assert_true(r.verified);
	/* s_server -www answers an HTTP GET with its status page, then closes. */
	assert_true(conn_write(c, "GET / HTTP/1.0\r\n\r\n", 18));
	while (!r.done && loop_clock_ms() < end)
		loop_run_once(l, 50);
	assert_true(r.done);
	assert_non_null(strstr(r.data, "HTTP/1.0 200"));
	conn_free(c);
	loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_selfsigned_rejected),
		cmocka_unit_test(test_ca_trusted),
		cmocka_unit_test(test_hostname_mismatch),
		cmocka_unit_test(test_insecure_continues),
		cmocka_unit_test(test_starttls),
		cmocka_unit_test(test_drop_mid_handshake),
		cmocka_unit_test(test_handshake_timeout),
		cmocka_unit_test(test_dane_match),
		cmocka_unit_test(test_dane_nomatch),
		cmocka_unit_test(test_alert_protocol_version),
		cmocka_unit_test(test_tls12_cipher),
		cmocka_unit_test(test_client_cert),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_setup_error),
		cmocka_unit_test(test_external_s_server),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
