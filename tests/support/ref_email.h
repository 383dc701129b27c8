/*
 * ref_email.h - the project's reference SendEmail as the library's typed
 * input: the body it builds is tests/bench/sendemail-body.json byte for
 * byte (tests/bench/README.md). One definition for the programs that
 * build or send it (test_builders, bench_client, the Cortex-M4 fw_call).
 */
#ifndef PE_REF_EMAIL_H
#define PE_REF_EMAIL_H

#include "pe_ops.h"

#include <string.h>

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
