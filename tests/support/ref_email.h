/*
 * ref_email.h - the project's reference SendEmail (tests/bench/README.md):
 * as the library's typed input (the body it builds is
 * tests/bench/sendemail-body.json byte for byte), as the request the
 * signer sees, and how botocore 1.29.27 signs it. One definition for the
 * programs that build, sign or send it (test_builders, test_sigv4,
 * bench_sign, bench_client, the Cortex-M4 fw_call).
 */
#ifndef PE_REF_EMAIL_H
#define PE_REF_EMAIL_H

#include "pe_ops.h"
#include "pe_sigv4.h"

#include <stdint.h>
#include <string.h>

/* The documentation's example key, 2018-11-19T12:00:00Z, and the
 * Authorization value botocore's SigV4Auth gives the request then. */
#define PE_REF_KEY_ID "AKIDEXAMPLE"
#define PE_REF_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define PE_REF_TIME INT64_C(1542628800)
#define PE_REF_SIGNATURE                                                      \
    "Signature=1def857eea5f4f057ddaccc8e3f1dc857236a41047a788c02eda0472b38150b5"
#define PE_REF_AUTH                                                           \
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20181119/us-east-1/ses/"        \
    "aws4_request, SignedHeaders=content-type;host;x-amz-date, " PE_REF_SIGNATURE

/* The request as the signer sees it: POST /v1/email/outbound-emails with
 * Content-Type and Host, us-east-1, ses; body (len bytes) and time given. */
static inline pe_sigv4_request_t pe_ref_sign_request(const void *body,
                                                     size_t len, int64_t time)
{
    static const pe_header_t headers[] = {
        {"Content-Type", 12, "application/json", 16},
        {"Host", 4, "email.us-east-1.amazonaws.com", 29},
    };
    pe_sigv4_request_t r;
    memset(&r, 0, sizeof r);
    r.method = "POST";
    r.path = "/v1/email/outbound-emails";
    r.path_len = strlen(r.path);
    r.headers = headers;
    r.header_count = sizeof headers / sizeof headers[0];
    r.payload = body;
    r.payload_len = len;
    r.region = "us-east-1";
    r.service = "ses";
    r.time = time;
    return r;
}

static inline void pe_ref_email(pe_send_email_input_t *in)
{
    static const char *const to[] = {"recipient@example.com"};
    static const pe_content_t subject = {"Anchor measurement test message",
                                         "UTF-8"};
    static const pe_content_t text = {
        "Hello from a microcontroller. This message was sent through the "
        "Amazon Pinpoint Email API using a SigV4-signed HTTPS POST request. "
        "The body of this test message is plain ASCII text without any "
        "characters that need JSON escaping, so the payload bytes are "
        "identical in every implementation that signs it. It has a fixed "
        "length so that the request can be reproduced byte for byte by "
        "anyone who reruns the anchor measurements. Thank you for reading "
        "this automated note. Have a very nice day, dear friend!",
        "UTF-8"};
    static const pe_body_t body = {&text, NULL};
    static const pe_message_t message = {&subject, &body};
    static const pe_email_content_t content = {&message, NULL, NULL};
    static const pe_destination_t destination = {{to, 1}, {NULL, 0}, {NULL, 0}};
    memset(in, 0, sizeof *in);
    in->from_email_address = "sender@example.com";
    in->destination = &destination;
    in->content = &content;
}

#endif /* PE_REF_EMAIL_H */
