/*
 * test_responses.c - the response side of every operation, without a
 * network: a realistic body per operation decoded with pe_json_decode into
 * its output struct, every member checked; unknown members at every level
 * (newer services add them), nulls, escapes, numbers and timestamps in
 * their wire forms; malformed bodies; arena sizes (the tokens', the
 * exact one, then success).
 *
 * Bodies are written with ' for " to stay readable: \' is an escaped quote.
 * Text and arena live in heap blocks of exactly their size, so ASan sees
 * any read or write past them.
 */
#include "pe_ops.h"
#include "pe_test.h"

#include <stdlib.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Output structs of any operation. */
typedef union {
    void *align_p;
    int64_t align_i;
    double align_d;
    unsigned char bytes[256];
} any_output_t;

/* The body with ' turned into ", in a heap block of exactly its length
 * (no NUL after it). */
static char *body_of(const char *quoted, size_t *len)
{
    size_t n = strlen(quoted);
    char *text = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        text[i] = quoted[i] == '\'' ? '"' : quoted[i];
    }
    *len = n;
    return text;
}

static pe_status_t decode_into(const pe_shape_t *shape, char *text, size_t len,
                               void *out, size_t cap, unsigned char **arena,
                               size_t *needed, pe_diag_t *diag)
{
    *arena = cap ? malloc(cap) : NULL;
    *needed = 0;
    return pe_json_decode(shape, text, len, out, *arena, cap, needed, diag);
}

/* A decoded body: its text and arena, which the output points into. */
typedef struct {
    char *text;
    unsigned char *arena;
} decoded_t;

static void decoded_free(decoded_t *d)
{
    free(d->text);
    free(d->arena);
    d->text = NULL;
    d->arena = NULL;
}

/*
 * Decodes a body the way a caller with no idea of the size does: arena 0,
 * which gives the need of jsmn's tokens, then that much, which gives the
 * exact need (or decodes, when the body needs nothing beyond its tokens).
 * Then checks the figures: every smaller arena is too small, reports the
 * tokens' need below it and the exact one from there on, and leaves the
 * text as it was (so the same text decodes afterwards), and the exact
 * arena decodes. On PE_OK, out points into *d (free it after the checks).
 */
static pe_status_t decode_sized(const char *what, const pe_shape_t *shape,
                                const char *quoted, void *out, decoded_t *d)
{
    size_t len, tokens = 0, exact = 0, need = 0;
    unsigned char *arena;
    pe_status_t st;
    bool sizes_ok = true;
    char *orig = body_of(quoted, &len);

    memset(d, 0, sizeof *d);
    d->text = body_of(quoted, &len);
    st = decode_into(shape, d->text, len, out, 0, &arena, &tokens, NULL);
    CHECK(st == PE_ERR_BUFFER_TOO_SMALL && tokens > 0,
          "%s: size query: %s, %zu", what, pe_strerror(st), tokens);
    st = decode_into(shape, d->text, len, out, tokens, &arena, &exact, NULL);
    free(arena);
    CHECK(st == (exact > tokens ? PE_ERR_BUFFER_TOO_SMALL : PE_OK) &&
              exact >= tokens,
          "%s: with the tokens' %zu bytes: %s, %zu", what, tokens,
          pe_strerror(st), exact);
    free(d->text);
    d->text = body_of(quoted, &len);
    for (size_t cap = 0; cap < exact; cap++) {
        st = decode_into(shape, d->text, len, out, cap, &arena, &need, NULL);
        free(arena);
        sizes_ok &= st == PE_ERR_BUFFER_TOO_SMALL &&
                    need == (cap < tokens ? tokens : exact) &&
                    memcmp(d->text, orig, len) == 0;
    }
    CHECK(sizes_ok, "%s: every arena below %zu bytes is too small, says so "
                    "(%zu below the tokens') and leaves the text", what, exact,
          tokens);
    free(orig);
    st = decode_into(shape, d->text, len, out, exact, &d->arena, &need, NULL);
    CHECK(st == PE_OK && need == exact, "%s: at the exact %zu bytes: %s", what,
          exact, pe_strerror(st));
    if (st != PE_OK) {
        decoded_free(d);
    }
    return st;
}

/* A body that must not decode: PE_ERR_JSON, whatever the arena: none
 * (or, when that was too small, exactly the need it reported, so a write
 * past it is a heap overflow ASan reports), then a roomy one (diag
 * compared when want_path). */
static void expect_malformed(const char *what, const pe_shape_t *shape,
                             const char *text, size_t len,
                             const char *want_path, const char *want_reason)
{
    static const size_t roomy = 8192;
    char *copy = malloc(len ? len : 1);
    any_output_t out;
    unsigned char *arena;
    size_t first = 0, need;
    pe_diag_t diag;
    memcpy(copy, text, len);
    pe_status_t st =
        decode_into(shape, copy, len, &out, 0, &arena, &first, &diag);
    if (st == PE_ERR_BUFFER_TOO_SMALL) {
        st = decode_into(shape, copy, len, &out, first, &arena, &need, &diag);
        free(arena);
    }
    CHECK(st == PE_ERR_JSON, "%s [%.*s] at %zu bytes: %s", what, (int)len,
          text, first, pe_strerror(st));
    st = decode_into(shape, copy, len, &out, roomy, &arena, &need, &diag);
    free(arena);
    CHECK(st == PE_ERR_JSON, "%s [%.*s]: %s", what, (int)len, text,
          pe_strerror(st));
    if (want_path && st == PE_ERR_JSON) {
        char path[128];
        size_t n;
        CHECK(pe_diag_path(&diag, path, sizeof path, &n) == PE_OK &&
                  strcmp(path, want_path) == 0,
              "%s: diag [%s], expected [%s]", what, path, want_path);
        CHECK(diag.reason && strcmp(diag.reason, want_reason) == 0,
              "%s: reason [%s], expected [%s]", what,
              diag.reason ? diag.reason : "(null)", want_reason);
    }
    free(copy);
}

/* The same for a body written with ' for ". */
static void expect_malformed_body(const char *what, const pe_shape_t *shape,
                                  const char *quoted, const char *want_path,
                                  const char *want_reason)
{
    size_t len;
    char *text = body_of(quoted, &len);
    expect_malformed(what, shape, text, len, want_path, want_reason);
    free(text);
}

/* Every way a good body can be broken without the op's knowledge:
 * each proper prefix, something after it, an array around it. */
static void check_malformed_forms(const char *what, const pe_shape_t *shape,
                                  const char *quoted)
{
    static const char *const tails[] = {"x", "{}", "]", ",", " 1"};
    size_t len;
    char *good = body_of(quoted, &len);
    char *buf = malloc(len + 8);
    for (size_t n = 0; n < len; n++) {
        expect_malformed(what, shape, good, n, NULL, NULL);
    }
    for (size_t i = 0; i < ARRAY_LEN(tails); i++) {
        size_t t = strlen(tails[i]);
        memcpy(buf, good, len);
        memcpy(buf + len, tails[i], t);
        expect_malformed(what, shape, buf, len + t, NULL, NULL);
    }
    buf[0] = '[';
    memcpy(buf + 1, good, len);
    buf[len + 1] = ']';
    expect_malformed(what, shape, buf, len + 2, NULL, NULL);
    free(buf);
    free(good);
}

/* ------------------------------------------------------------ checks */

#define CHECK_ABSENT(p) CHECK((p) == NULL, "%s is present", #p)
#define CHECK_BOOL(a, b) CHECK_EQ_INT(a, b)
#define CHECK_SET(opt, v)                                                      \
    CHECK((opt).set && (opt).value == (v), "%s: set %d, %g", #opt, (opt).set,  \
          (double)(opt).value)

static void check_strs(pe_str_list_t got, const char *const *want, size_t n)
{
    CHECK(got.items != NULL && got.count == n, "%zu strings, expected %zu",
          got.count, n);
    for (size_t i = 0; got.items && i < got.count && i < n; i++) {
        CHECK_EQ_STR(got.items[i], want[i]);
    }
}

#define DKIM_1 "kdgd6ddz2xpglrmqeooyxbfntoczz2vi"
#define DKIM_2 "3ioqexwwxsw6ip2ixitjv7v4pxdsbfnl"
#define DKIM_3 "qn5hhx7z7a4qrhxsd7wvgwtoozugdiyp"

static const char create_email_identity_body[] =
    "{'IdentityType':'DOMAIN','VerifiedForSendingStatus':false,"
    "'DkimAttributes':{'SigningEnabled':true,'Status':'PENDING',"
    "'Tokens':['" DKIM_1 "','" DKIM_2 "','" DKIM_3 "'],"
    "'SigningAttributesOrigin':'AWS_SES','NextSigningKeyLength':null},"
    "'Tags':[{'Key':'k','Value':'v'}],'Unknown':[1,'two',{'three':null}]}";

static void check_create_email_identity(const void *p)
{
    static const char *const tokens[] = {DKIM_1, DKIM_2, DKIM_3};
    const pe_create_email_identity_output_t *o = p;
    CHECK_EQ_STR(o->identity_type, PE_IDENTITY_TYPE_DOMAIN);
    CHECK_BOOL(o->verified_for_sending_status, PE_FALSE);
    CHECK(o->dkim_attributes != NULL, "DkimAttributes");
    if (o->dkim_attributes) {
        CHECK_BOOL(o->dkim_attributes->signing_enabled, PE_TRUE);
        CHECK_EQ_STR(o->dkim_attributes->status, PE_DKIM_STATUS_PENDING);
        check_strs(o->dkim_attributes->tokens, tokens, 3);
    }
}

static const char get_account_body[] =
    "{'SendQuota':{'Max24HourSend':200.0,'MaxSendRate':1.5e1,"
    "'SentLast24Hours':3,'PeakRate':-2.5E-3},"
    "'SendingEnabled':true,'DedicatedIpAutoWarmupEnabled':false,"
    "'EnforcementStatus':'HEALTHY','ProductionAccessEnabled':false,"
    "'Details':null,'VdmAttributes':{'VdmEnabled':'DISABLED',"
    "'DashboardAttributes':{'EngagementMetrics':'ENABLED'}}}";

static void check_get_account(const void *p)
{
    const pe_get_account_output_t *o = p;
    CHECK(o->send_quota != NULL, "SendQuota");
    if (o->send_quota) {
        CHECK_SET(o->send_quota->max24_hour_send, 200.0);
        CHECK_SET(o->send_quota->max_send_rate, 15.0);
        CHECK_SET(o->send_quota->sent_last24_hours, 3.0);
    }
    CHECK_BOOL(o->sending_enabled, PE_TRUE);
    CHECK_BOOL(o->dedicated_ip_auto_warmup_enabled, PE_FALSE);
    CHECK_EQ_STR(o->enforcement_status, "HEALTHY");
    CHECK_BOOL(o->production_access_enabled, PE_FALSE);
}

#define CONFIG_SET_BODY(last_fresh_start)                                      \
    "{'ConfigurationSetName':'cs-1',"                                          \
    "'TrackingOptions':{'CustomRedirectDomain':'click.example.com',"           \
    "'HttpsPolicy':'REQUIRE'},"                                                \
    "'DeliveryOptions':{'TlsPolicy':'REQUIRE','SendingPoolName':'pool-a',"     \
    "'MaxDeliverySeconds':300},"                                               \
    "'ReputationOptions':{'ReputationMetricsEnabled':true,"                    \
    "'LastFreshStart':" last_fresh_start "},"                                  \
    "'SendingOptions':{'SendingEnabled':false,'Future':[{}]},"                 \
    "'Tags':[{'Key':'team','Value':'ops'},"                                    \
    "{'Key':'q\\'b\\\\s\\/','Value':'caf\\u00e9 \\ud83d\\ude00\\nend',"        \
    "'Extra':{}}],"                                                            \
    "'SuppressionOptions':{'SuppressedReasons':['BOUNCE']},"                   \
    "'VdmOptions':null}"

static const char get_configuration_set_body[] = CONFIG_SET_BODY("1542628800");

static void check_get_configuration_set(const void *p)
{
    const pe_get_configuration_set_output_t *o = p;
    CHECK_EQ_STR(o->configuration_set_name, "cs-1");
    CHECK(o->tracking_options && o->delivery_options && o->reputation_options &&
              o->sending_options,
          "the four option groups");
    if (!(o->tracking_options && o->delivery_options && o->reputation_options &&
          o->sending_options)) {
        return;
    }
    CHECK_EQ_STR(o->tracking_options->custom_redirect_domain,
                 "click.example.com");
    CHECK_EQ_STR(o->delivery_options->tls_policy, PE_TLS_POLICY_REQUIRE);
    CHECK_EQ_STR(o->delivery_options->sending_pool_name, "pool-a");
    CHECK_BOOL(o->reputation_options->reputation_metrics_enabled, PE_TRUE);
    CHECK(o->reputation_options->last_fresh_start.set &&
              o->reputation_options->last_fresh_start.seconds == 1542628800,
          "LastFreshStart %lld",
          (long long)o->reputation_options->last_fresh_start.seconds);
    CHECK_BOOL(o->sending_options->sending_enabled, PE_FALSE);
    CHECK_EQ_INT(o->tags.count, 2);
    if (o->tags.count == 2) {
        CHECK_EQ_STR(o->tags.items[0].key, "team");
        CHECK_EQ_STR(o->tags.items[0].value, "ops");
        CHECK_EQ_STR(o->tags.items[1].key, "q\"b\\s/");
        CHECK_EQ_STR(o->tags.items[1].value,
                     "caf\xC3\xA9 \xF0\x9F\x98\x80\nend");
    }
}

static const char event_destinations_body[] =
    "{'EventDestinations':["
    "{'Name':'to-cloudwatch','Enabled':true,'MatchingEventTypes':['SEND',"
    "'BOUNCE'],'CloudWatchDestination':{'DimensionConfigurations':["
    "{'DimensionName':'campaign','DimensionValueSource':'MESSAGE_TAG',"
    "'DefaultDimensionValue':'none','Future':1},"
    "{'DimensionName':'link','DimensionValueSource':'LINK_TAG',"
    "'DefaultDimensionValue':'\\u00e9'}],'Unknown':null}},"
    "{'Name':'to-sns','Enabled':false,'MatchingEventTypes':['DELIVERY'],"
    "'SnsDestination':{'TopicArn':'arn:aws:sns:us-east-1:123456789012:alerts'}},"
    "{'Name':'to-firehose','MatchingEventTypes':['OPEN','CLICK'],"
    "'KinesisFirehoseDestination':{'IamRoleArn':'arn:aws:iam::1:role\\/fh',"
    "'DeliveryStreamArn':'arn:aws:firehose:us-east-1:1:deliverystream\\/m'}},"
    "{'Name':'to-pinpoint','Enabled':true,'MatchingEventTypes':"
    "['RENDERING_FAILURE'],'PinpointDestination':{'ApplicationArn':"
    "'arn:aws:mobiletargeting:us-east-1:1:apps\\/abc'},"
    "'EventBridgeDestination':{'EventBusArn':'x'}}],'NextToken':null}";

static void check_event_destinations(const void *p)
{
    static const char *const send_bounce[] = {"SEND", "BOUNCE"};
    static const char *const delivery[] = {"DELIVERY"};
    static const char *const open_click[] = {"OPEN", "CLICK"};
    static const char *const rendering[] = {"RENDERING_FAILURE"};
    const pe_get_configuration_set_event_destinations_output_t *o = p;
    const pe_event_destination_t *e = o->event_destinations.items;
    CHECK_EQ_INT(o->event_destinations.count, 4);
    if (o->event_destinations.count != 4) {
        return;
    }
    CHECK_EQ_STR(e[0].name, "to-cloudwatch");
    CHECK_BOOL(e[0].enabled, PE_TRUE);
    check_strs(e[0].matching_event_types, send_bounce, 2);
    CHECK(e[0].cloud_watch_destination &&
              e[0].cloud_watch_destination->dimension_configurations.count == 2,
          "two CloudWatch dimensions");
    if (e[0].cloud_watch_destination &&
        e[0].cloud_watch_destination->dimension_configurations.count == 2) {
        const pe_cloud_watch_dimension_configuration_t *d =
            e[0].cloud_watch_destination->dimension_configurations.items;
        CHECK_EQ_STR(d[0].dimension_name, "campaign");
        CHECK_EQ_STR(d[0].dimension_value_source, "MESSAGE_TAG");
        CHECK_EQ_STR(d[0].default_dimension_value, "none");
        CHECK_EQ_STR(d[1].dimension_name, "link");
        CHECK_EQ_STR(d[1].dimension_value_source, "LINK_TAG");
        CHECK_EQ_STR(d[1].default_dimension_value, "\xC3\xA9");
    }
    CHECK_ABSENT(e[0].sns_destination);
    CHECK_ABSENT(e[0].kinesis_firehose_destination);
    CHECK_ABSENT(e[0].pinpoint_destination);

    CHECK_EQ_STR(e[1].name, "to-sns");
    CHECK_BOOL(e[1].enabled, PE_FALSE);
    check_strs(e[1].matching_event_types, delivery, 1);
    CHECK_EQ_STR(e[1].sns_destination ? e[1].sns_destination->topic_arn : NULL,
                 "arn:aws:sns:us-east-1:123456789012:alerts");
    CHECK_ABSENT(e[1].cloud_watch_destination);

    CHECK_EQ_STR(e[2].name, "to-firehose");
    CHECK_BOOL(e[2].enabled, PE_UNSET);
    check_strs(e[2].matching_event_types, open_click, 2);
    const pe_kinesis_firehose_destination_t *k = e[2].kinesis_firehose_destination;
    CHECK_EQ_STR(k ? k->iam_role_arn : NULL, "arn:aws:iam::1:role/fh");
    CHECK_EQ_STR(k ? k->delivery_stream_arn : NULL,
                 "arn:aws:firehose:us-east-1:1:deliverystream/m");

    CHECK_EQ_STR(e[3].name, "to-pinpoint");
    CHECK_BOOL(e[3].enabled, PE_TRUE);
    check_strs(e[3].matching_event_types, rendering, 1);
    CHECK_EQ_STR(e[3].pinpoint_destination
                     ? e[3].pinpoint_destination->application_arn
                     : NULL,
                 "arn:aws:mobiletargeting:us-east-1:1:apps/abc");
    CHECK_ABSENT(e[3].sns_destination);
}

static const char get_dedicated_ip_body[] =
    "{'DedicatedIp':{'Ip':'192.0.2.10','WarmupStatus':'IN_PROGRESS',"
    "'WarmupPercentage':42,'PoolName':'pool-a','Future':[]},'Other':true}";

static void check_ip(const pe_dedicated_ip_t *ip, const char *addr,
                     const char *status, int64_t percent, const char *pool)
{
    CHECK_EQ_STR(ip->ip, addr);
    CHECK_EQ_STR(ip->warmup_status, status);
    CHECK_SET(ip->warmup_percentage, percent);
    if (pool) {
        CHECK_EQ_STR(ip->pool_name, pool);
    } else {
        CHECK_ABSENT(ip->pool_name);
    }
}

static void check_get_dedicated_ip(const void *p)
{
    const pe_get_dedicated_ip_output_t *o = p;
    CHECK(o->dedicated_ip != NULL, "DedicatedIp");
    if (o->dedicated_ip) {
        check_ip(o->dedicated_ip, "192.0.2.10", "IN_PROGRESS", 42, "pool-a");
    }
}

static const char get_dedicated_ips_body[] =
    "{'DedicatedIps':[{'Ip':'192.0.2.10','WarmupStatus':'DONE',"
    "'WarmupPercentage':100,'PoolName':null},{'Ip':'192.0.2.11',"
    "'WarmupStatus':'IN_PROGRESS','WarmupPercentage':0,'PoolName':'pool-b',"
    "'Unknown':{'a':[null]}}],'NextToken':'AAAA+bmV4dA\\/\\/=='}";

static void check_get_dedicated_ips(const void *p)
{
    const pe_get_dedicated_ips_output_t *o = p;
    CHECK_EQ_INT(o->dedicated_ips.count, 2);
    if (o->dedicated_ips.count == 2) {
        check_ip(&o->dedicated_ips.items[0], "192.0.2.10", "DONE", 100, NULL);
        check_ip(&o->dedicated_ips.items[1], "192.0.2.11", "IN_PROGRESS", 0,
                 "pool-b");
    }
    CHECK_EQ_STR(o->next_token, "AAAA+bmV4dA//==");
}

static const char get_email_identity_body[] =
    "{'IdentityType':'EMAIL_ADDRESS','FeedbackForwardingStatus':true,"
    "'VerifiedForSendingStatus':true,'DkimAttributes':{'SigningEnabled':false,"
    "'Status':'NOT_STARTED','Tokens':[]},'MailFromAttributes':{"
    "'MailFromDomain':'mail.example.com','MailFromDomainStatus':'SUCCESS',"
    "'BehaviorOnMxFailure':'REJECT_MESSAGE','Extra':1.0},'Tags':[],"
    "'Policies':{'p1':'{\\'Version\\':\\'2012-10-17\\'}'},"
    "'ConfigurationSetName':null}";

static void check_get_email_identity(const void *p)
{
    const pe_get_email_identity_output_t *o = p;
    CHECK_EQ_STR(o->identity_type, PE_IDENTITY_TYPE_EMAIL_ADDRESS);
    CHECK_BOOL(o->feedback_forwarding_status, PE_TRUE);
    CHECK_BOOL(o->verified_for_sending_status, PE_TRUE);
    CHECK(o->dkim_attributes && o->mail_from_attributes, "attributes");
    if (o->dkim_attributes) {
        CHECK_BOOL(o->dkim_attributes->signing_enabled, PE_FALSE);
        CHECK_EQ_STR(o->dkim_attributes->status, PE_DKIM_STATUS_NOT_STARTED);
        check_strs(o->dkim_attributes->tokens, NULL, 0);
    }
    if (o->mail_from_attributes) {
        CHECK_EQ_STR(o->mail_from_attributes->mail_from_domain,
                     "mail.example.com");
        CHECK_EQ_STR(o->mail_from_attributes->mail_from_domain_status,
                     PE_MAIL_FROM_DOMAIN_STATUS_SUCCESS);
        CHECK_EQ_STR(o->mail_from_attributes->behavior_on_mx_failure,
                     PE_BEHAVIOR_ON_MX_FAILURE_REJECT_MESSAGE);
    }
    CHECK(o->tags.items != NULL && o->tags.count == 0,
          "an empty Tags list is present");
}

static const char list_configuration_sets_body[] =
    "{'ConfigurationSets':['cs-1','cs_2','\\u0063s3'],"
    "'NextToken':'bmV4dA=='}";

static void check_list_configuration_sets(const void *p)
{
    static const char *const names[] = {"cs-1", "cs_2", "cs3"};
    const pe_list_configuration_sets_output_t *o = p;
    check_strs(o->configuration_sets, names, 3);
    CHECK_EQ_STR(o->next_token, "bmV4dA==");
}

static const char list_dedicated_ip_pools_body[] =
    "{'DedicatedIpPools':['pool-a','pool-b'],'NextToken':null,'Total':2}";

static void check_list_dedicated_ip_pools(const void *p)
{
    static const char *const names[] = {"pool-a", "pool-b"};
    const pe_list_dedicated_ip_pools_output_t *o = p;
    check_strs(o->dedicated_ip_pools, names, 2);
    CHECK_ABSENT(o->next_token);
}

static const char list_email_identities_body[] =
    "{'EmailIdentities':[{'IdentityType':'DOMAIN','IdentityName':"
    "'example.com','SendingEnabled':true},{'IdentityType':'EMAIL_ADDRESS',"
    "'IdentityName':'o\\u0027brien+ops\\/x=y@example.net',"
    "'SendingEnabled':false,'VerificationStatus':'PENDING'},"
    "{'IdentityType':'MANAGED_DOMAIN','IdentityName':'caf\\u00e9.example',"
    "'SendingEnabled':null}]}";

static void check_list_email_identities(const void *p)
{
    const pe_list_email_identities_output_t *o = p;
    const pe_identity_info_t *i = o->email_identities.items;
    CHECK_EQ_INT(o->email_identities.count, 3);
    if (o->email_identities.count == 3) {
        CHECK_EQ_STR(i[0].identity_type, "DOMAIN");
        CHECK_EQ_STR(i[0].identity_name, "example.com");
        CHECK_BOOL(i[0].sending_enabled, PE_TRUE);
        CHECK_EQ_STR(i[1].identity_type, "EMAIL_ADDRESS");
        CHECK_EQ_STR(i[1].identity_name, "o'brien+ops/x=y@example.net");
        CHECK_BOOL(i[1].sending_enabled, PE_FALSE);
        CHECK_EQ_STR(i[2].identity_type, "MANAGED_DOMAIN");
        CHECK_EQ_STR(i[2].identity_name, "caf\xC3\xA9.example");
        CHECK_BOOL(i[2].sending_enabled, PE_UNSET);
    }
    CHECK_ABSENT(o->next_token);
}

#define MESSAGE_ID "0100016e4a2b3c4d-5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9-000000"
static const char send_email_body[] = "{'MessageId':'" MESSAGE_ID "',"
                                      "'Future':{'deep':{'deeper':[[],{}]}}}";

static void check_send_email(const void *p)
{
    const pe_send_email_output_t *o = p;
    CHECK_EQ_STR(o->message_id, MESSAGE_ID);
}

/* One realistic answer per operation with an output, a body with one
 * member of the wrong type and the diagnostic that must name it. */
typedef struct {
    const pe_operation_t *op;
    const char *body;
    void (*check)(const void *out);
    const char *bad_body;
    const char *bad_path;
    const char *bad_reason;
} response_case_t;

static const response_case_t cases[] = {
    {&pe_op_create_email_identity, create_email_identity_body,
     check_create_email_identity, "{'DkimAttributes':{'Tokens':['a',7]}}",
     "DkimAttributes.Tokens[1]", "must be a string"},
    {&pe_op_get_account, get_account_body, check_get_account,
     "{'SendQuota':{'MaxSendRate':'14'}}", "SendQuota.MaxSendRate",
     "must be a number"},
    {&pe_op_get_configuration_set, get_configuration_set_body,
     check_get_configuration_set,
     "{'ReputationOptions':{'LastFreshStart':'2018-11-19T12:00:00Z'}}",
     "ReputationOptions.LastFreshStart", "must be a number"},
    {&pe_op_get_configuration_set_event_destinations, event_destinations_body,
     check_event_destinations,
     "{'EventDestinations':[{'Name':'a','MatchingEventTypes':'SEND'}]}",
     "EventDestinations[0].MatchingEventTypes", "must be an array"},
    {&pe_op_get_dedicated_ip, get_dedicated_ip_body, check_get_dedicated_ip,
     "{'DedicatedIp':{'WarmupPercentage':4.2}}",
     "DedicatedIp.WarmupPercentage", "must be an integer"},
    {&pe_op_get_dedicated_ips, get_dedicated_ips_body, check_get_dedicated_ips,
     "{'DedicatedIps':{'Ip':'192.0.2.10'}}", "DedicatedIps",
     "must be an array"},
    {&pe_op_get_email_identity, get_email_identity_body,
     check_get_email_identity, "{'VerifiedForSendingStatus':'true'}",
     "VerifiedForSendingStatus", "must be true or false"},
    {&pe_op_list_configuration_sets, list_configuration_sets_body,
     check_list_configuration_sets, "{'ConfigurationSets':['a',null]}",
     "ConfigurationSets[1]", "must be a string"},
    {&pe_op_list_dedicated_ip_pools, list_dedicated_ip_pools_body,
     check_list_dedicated_ip_pools, "{'NextToken':42}", "NextToken",
     "must be a string"},
    {&pe_op_list_email_identities, list_email_identities_body,
     check_list_email_identities,
     "{'EmailIdentities':[{'IdentityName':'a'},{'SendingEnabled':1}]}",
     "EmailIdentities[1].SendingEnabled", "must be true or false"},
    {&pe_op_send_email, send_email_body, check_send_email,
     "{'MessageId':['x']}", "MessageId", "must be a string"},
};

/* Bodies of the operations that answer nothing: an empty object, or one
 * with members a newer service might add. */
static const char *const empty_bodies[] = {
    "{}",
    " { } ",
    "{'RequestId':'3f1c','Future':{'a':[1,{'b':null}],'c':true},'d':null}",
};

static const response_case_t *case_of(const pe_operation_t *op)
{
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        if (cases[i].op == op) {
            return &cases[i];
        }
    }
    return NULL;
}

static void test_operation(const pe_operation_t *op)
{
    const pe_shape_t *shape = op->output;
    const response_case_t *c = case_of(op);
    any_output_t out;
    decoded_t d;

    CHECK(shape->size <= sizeof out, "%s: output of %u bytes", op->name,
          (unsigned)shape->size);
    if (shape->count == 0) {
        for (size_t i = 0; i < ARRAY_LEN(empty_bodies); i++) {
            memset(&out, 0x5A, sizeof out);
            if (decode_sized(op->name, shape, empty_bodies[i], &out, &d) ==
                PE_OK) {
                CHECK(out.bytes[0] == 0, "%s: the output is zeroed", op->name);
                decoded_free(&d);
            }
        }
        /* "" is no JSON; the client does not decode an empty body */
        expect_malformed(op->name, shape, "", 0, NULL, NULL);
        check_malformed_forms(op->name, shape, empty_bodies[2]);
        return;
    }
    CHECK(c != NULL, "%s: no response case", op->name);
    if (!c) {
        return;
    }
    if (decode_sized(op->name, shape, c->body, &out, &d) == PE_OK) {
        c->check(&out);
        decoded_free(&d);
    }
    check_malformed_forms(op->name, shape, c->body);
    expect_malformed_body(op->name, shape, c->bad_body, c->bad_path,
                          c->bad_reason);
}

/* Bodies whose keys and values do not pair up (a tokenizer such as jsmn
 * lets them by): a key without a value, a value with two, a string with a
 * value hung on it. */
static void test_structure(void)
{
    static const struct {
        const pe_operation_t *op;
        const char *body;
    } bodies[] = {
        {&pe_op_get_dedicated_ip, "{'DedicatedIp':{'Ip'}}"},
        {&pe_op_get_dedicated_ip, "{'DedicatedIp':{'Ip':'a','PoolName'}}"},
        {&pe_op_get_dedicated_ip, "{'DedicatedIp'}"},
        {&pe_op_send_email, "{'MessageId' 'a'}"},
        {&pe_op_send_email, "{'MessageId':'a' 'Other':1}"},
        {&pe_op_send_email, "{'MessageId':'a':'b'}"},
        {&pe_op_list_configuration_sets, "{'ConfigurationSets':['a':'b']}"},
        {&pe_op_get_account, "{'SendQuota':{'MaxSendRate':1:2}}"},
        {&pe_op_get_dedicated_ips, "{'DedicatedIps':[{'Ip'},{}]}"},
    };
    for (size_t i = 0; i < ARRAY_LEN(bodies); i++) {
        expect_malformed_body(bodies[i].op->name, bodies[i].op->output,
                              bodies[i].body, NULL, NULL);
    }
}

/* ------------------------------------------------------------ wire forms */

/* LastFreshStart in every form a service may write it: whole seconds,
 * exponent, fraction (rounded down). */
static void test_timestamps(void)
{
    static const struct {
        const char *body;
        int64_t seconds;
    } forms[] = {
        {CONFIG_SET_BODY("1542628800"), 1542628800},
        {CONFIG_SET_BODY("1.5426288E9"), 1542628800},
        {CONFIG_SET_BODY("1.5426288e+9"), 1542628800},
        {CONFIG_SET_BODY("1542628800.0"), 1542628800},
        {CONFIG_SET_BODY("1542628800.999"), 1542628800},
        {CONFIG_SET_BODY("15426288005E-1"), 1542628800},
        {CONFIG_SET_BODY("0"), 0},
        {CONFIG_SET_BODY("-1.5"), -2},
    };
    for (size_t i = 0; i < ARRAY_LEN(forms); i++) {
        pe_get_configuration_set_output_t o;
        decoded_t d;
        if (decode_sized("timestamp", pe_op_get_configuration_set.output,
                         forms[i].body, &o, &d) != PE_OK) {
            continue;
        }
        const pe_opt_time_t *t =
            o.reputation_options ? &o.reputation_options->last_fresh_start
                                 : NULL;
        CHECK(t && t->set && t->seconds == forms[i].seconds,
              "form %zu: %lld, expected %lld", i,
              t ? (long long)t->seconds : -1LL, (long long)forms[i].seconds);
        decoded_free(&d);
    }
}

/* Every JSON escape through a string member; malformed escapes refused. */
static void test_escapes(void)
{
    static const struct {
        const char *json;
        const char *want;
    } good[] = {
        {"\\'", "\""},
        {"\\\\", "\\"},
        {"\\/", "/"},
        {"a\\nb\\tc\\rd\\be\\ff", "a\nb\tc\rd\be\ff"},
        {"caf\\u00e9", "caf\xC3\xA9"},
        {"\\u00E9\\u4e2D", "\xC3\xA9\xE4\xB8\xAD"},
        {"\\ud83d\\ude00", "\xF0\x9F\x98\x80"},
        {"<\\uD83D\\uDE00>", "<\xF0\x9F\x98\x80>"},
        {"\\u0041\\u001f\\u007f", "A\x1f\x7f"},
        {"raw \xC3\xA9 \xF0\x9F\x98\x80", "raw \xC3\xA9 \xF0\x9F\x98\x80"},
        {"", ""},
    };
    static const char *const bad[] = {
        "\\ud83d",        "\\ude00",  "\\ud83d\\u0041", "\\ud83dx",
        "\\u0000",        "\\x41",    "\\u12",          "\\u12G4",
        "\\ud83d\\ud83d", "\\",
    };
    char body[128];
    for (size_t i = 0; i < ARRAY_LEN(good); i++) {
        pe_send_email_output_t o;
        decoded_t d;
        snprintf(body, sizeof body, "{'MessageId':'%s'}", good[i].json);
        if (decode_sized("escape", pe_op_send_email.output, body, &o, &d) ==
            PE_OK) {
            CHECK(o.message_id && strcmp(o.message_id, good[i].want) == 0,
                  "escape %s: [%s]", good[i].json,
                  o.message_id ? o.message_id : "(null)");
            decoded_free(&d);
        }
    }
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        snprintf(body, sizeof body, "{'MessageId':'%s'}", bad[i]);
        expect_malformed_body("bad escape", pe_op_send_email.output, body,
                              NULL, NULL);
    }
}

/* Doubles of the send quota in the forms JSON allows. */
static void test_doubles(void)
{
    static const struct {
        const char *text;
        double want;
    } forms[] = {
        {"200.0", 200.0}, {"1.5e1", 15.0},  {"50000", 50000.0},
        {"14", 14.0},     {"0.1", 0.1},     {"2.5E-1", 0.25},
        {"-0", 0.0},      {"1e0", 1.0},     {"123456789012", 123456789012.0},
    };
    char body[128];
    for (size_t i = 0; i < ARRAY_LEN(forms); i++) {
        pe_get_account_output_t o;
        decoded_t d;
        snprintf(body, sizeof body, "{'SendQuota':{'MaxSendRate':%s}}",
                 forms[i].text);
        if (decode_sized("double", pe_op_get_account.output, body, &o, &d) ==
            PE_OK) {
            CHECK(o.send_quota && o.send_quota->max_send_rate.set &&
                      o.send_quota->max_send_rate.value == forms[i].want,
                  "%s: %.17g", forms[i].text,
                  o.send_quota ? o.send_quota->max_send_rate.value : -1.0);
            CHECK(o.send_quota && !o.send_quota->max24_hour_send.set,
                  "%s: an absent double stays unset", forms[i].text);
            decoded_free(&d);
        }
    }
}

int main(void)
{
    size_t ops = 0;
    for (const pe_operation_t *const *op = pe_operations; *op; op++, ops++) {
        test_operation(*op);
    }
    CHECK_EQ_INT(ops, 30);
    test_structure();
    test_timestamps();
    test_escapes();
    test_doubles();
    return pe_test_summary();
}
