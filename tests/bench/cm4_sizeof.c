/*
 * cm4_sizeof.c - sizes of the caller-owned structs as the target compiler
 * lays them out: each array below is as large as the type it names, and
 * `nm -S` on the object reads the size off the symbol. Never linked.
 */
#include "pe_client.h"

char bench_sizeof_pe_client_t[sizeof(pe_client_t)];
char bench_sizeof_pe_tls_t[sizeof(pe_tls_t)];
char bench_sizeof_pe_sigv4_signer_t[sizeof(pe_sigv4_signer_t)];
