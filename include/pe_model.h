/*
 * pe_model.h - the operations described as data.
 *
 * Every operation is a pe_operation_t: its HTTP method, its path template
 * and two shapes (input, output). A shape lists its members: wire name,
 * where the member lives in the typed C struct (offset), its type, where it
 * travels (URI label, query string or JSON body) and whether it is
 * required. One generic builder (pe_build) and one generic decoder
 * (pe_json_decode) walk these tables; include/pe_ops.h and lib/ops_table.c
 * are generated from the AWS service model by lib/ops_gen.py.
 *
 * C representation of each member type inside a struct, and its `ref`:
 *   PE_T_STRING  const char *      NULL when absent; UTF-8, NUL-terminated.
 *                ref NULL, or for an enumeration PE_KIND_ENUM(values):
 *                the allowed values, each NUL-terminated, one after the
 *                other, ended by an empty string ("A\0B\0\0")
 *   PE_T_BLOB    pe_bytes_t        data NULL when absent; ref &pe_kind_blob
 *   PE_T_BOOL    pe_bool_t         PE_UNSET when absent; ref &pe_kind_bool
 *   PE_T_INT     pe_opt_int_t      ref &pe_kind_int, or a PE_KIND_INT(&range)
 *   PE_T_DOUBLE  pe_opt_double_t   ref &pe_kind_double
 *   PE_T_TIME    pe_opt_time_t     ref &pe_kind_time
 *   PE_T_STRUCT  const <struct> *  NULL when absent; ref const pe_shape_t *
 *   PE_T_LIST    { const <elem> *items; size_t count; }   items NULL when
 *                absent; ref const pe_member_t * describing one element
 * A scalar member other than a string reaches the code that writes and
 * reads it only through its kind (pe_kind_t), so an image linked with
 * --gc-sections carries, say, no number parsing when its tables hold no
 * number. Without a kind such a member cannot be built
 * (PE_ERR_UNSUPPORTED) nor decoded (PE_ERR_JSON).
 *
 * Path templates: a path that does not start with '/' is relative to
 * PE_PATH_PREFIX ("outbound-emails" is "/v1/email/outbound-emails"); each
 * PE_PATH_LABEL ('#', which no request path holds) stands for the next
 * PE_M_URI member of the input, in the members' order: "dedicated-ips/#/pool"
 * is "/v1/email/dedicated-ips/{Ip}/pool".
 */
#ifndef PE_MODEL_H
#define PE_MODEL_H

#include "pe_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    PE_T_STRING = 1,
    PE_T_BLOB,
    PE_T_BOOL,
    PE_T_INT,
    PE_T_DOUBLE,
    PE_T_TIME,
    PE_T_STRUCT,
    PE_T_LIST
} pe_type_t;

/* pe_member_t.flags */
#define PE_M_REQUIRED 0x01u /**< the service requires the member */
#define PE_M_URI 0x02u      /**< travels in a URI label of the path */
#define PE_M_QUERY 0x04u    /**< travels in the query string */

typedef struct pe_member pe_member_t;

/** A structure: its members in the model's order, and its C size. */
typedef struct {
    const pe_member_t *members;
    uint16_t count;
    uint16_t size;
} pe_shape_t;

/** Allowed range of an integer member (PE_KIND_INT). */
typedef struct {
    int32_t min;
    int32_t max;
} pe_range_t;

struct pe_builder;
struct pe_decoder;

/** How a scalar member is written into a request and read from JSON (see
 *  the table above). Its fields are the library's. */
typedef struct {
    /* checks the value at field and writes it (a string: checks only, the
     * builder writes strings); NULL or why not */
    const char *(*put)(struct pe_builder *b, const unsigned char *field,
                       const void *arg);
    /* the JSON scalar text[0..len) of kind tok ('"' a string's raw
     * content, '0' a number, 't', 'f', 'n' the literals, '{' or '[' a
     * container) into field (NULL: check only); NULL or why not */
    const char *(*get)(struct pe_decoder *d, int tok, const char *text,
                       size_t len, unsigned char *field);
    const void *arg;
} pe_kind_t;

extern const pe_kind_t pe_kind_blob;   /**< base64 in JSON */
extern const pe_kind_t pe_kind_bool;   /**< true, false */
extern const pe_kind_t pe_kind_int;    /**< any int64 */
extern const pe_kind_t pe_kind_double; /**< read only: no request has one */
extern const pe_kind_t pe_kind_time;   /**< epoch seconds; read from any
                                            number, fraction rounded down */

/* The integer codecs, for PE_KIND_INT. */
const char *pe_put_int_(struct pe_builder *b, const unsigned char *field,
                        const void *arg);
const char *pe_get_int_(struct pe_decoder *d, int tok, const char *text,
                        size_t len, unsigned char *field);
/** The kind of an integer member allowed only in *range (a const
 *  pe_range_t *): static const pe_kind_t k = PE_KIND_INT(&range); */
#define PE_KIND_INT(range) {pe_put_int_, pe_get_int_, (range)}

const char *pe_put_enum_(struct pe_builder *b, const unsigned char *field,
                         const void *arg);
/** The kind of a string member allowed only the values "A\0B\0\0" (read
 *  as any string). */
#define PE_KIND_ENUM(values) {pe_put_enum_, NULL, (values)}

/** The start of every relative path template. */
#define PE_PATH_PREFIX "/v1/email/"
/** A URI label in a path template: the input's next URI member. */
#define PE_PATH_LABEL '#'

struct pe_member {
    const char *name; /**< the API's member name (JSON key, query key, label) */
    uint16_t offset;  /**< offset of the member in its C struct */
    uint8_t type;     /**< pe_type_t */
    uint8_t flags;    /**< PE_M_* */
    /** per type: see the table at the top */
    const void *ref;
};

/** The struct of every input or output that has no members. */
typedef struct {
    char unused_;
} pe_empty_t;

/** Common layout of every list member. */
typedef struct {
    const void *items;
    size_t count;
} pe_list_t;

typedef struct pe_operation pe_operation_t;

/** One API operation. */
struct pe_operation {
    const char *name;   /**< "SendEmail" */
    const char *method; /**< "POST" */
    const char *path;   /**< "dedicated-ips/#/pool": see Path
                             templates above */
    const pe_shape_t *input;
    const pe_shape_t *output;
    /** pe_build_target for an operation whose input has URI or query
     *  members; NULL when the path is written as it is (pe_build refuses
     *  such members without it: PE_ERR_UNSUPPORTED). A pointer, so that an
     *  image whose operations have fixed paths links no URI encoding. */
    pe_status_t (*target)(struct pe_builder *b, const pe_operation_t *op,
                          const unsigned char *input);
};

/** Writes the path of op with its URI labels filled in from input, and
 *  the query string (pe_operation_t.target; not called directly). */
pe_status_t pe_build_target(struct pe_builder *b, const pe_operation_t *op,
                            const unsigned char *input);

/** Bytes one item of a list whose elements `elem` describes takes in the
 *  items array: a struct's size for structs (items are stored inline), the
 *  C size of the member type otherwise (a pointer for strings). */
size_t pe_item_size(const pe_member_t *elem);

/** Every operation, NULL-terminated (links all tables: CLI and tools). */
extern const pe_operation_t *const pe_operations[];

/** Finds an operation by its API name ("SendEmail") or by the AWS CLI's
 *  kebab-case name ("send-email"). NULL when unknown. */
const pe_operation_t *pe_operation_find(const char *name);

/** A built HTTP request: views into the caller's buffer. */
typedef struct {
    const char *method;       /**< static string */
    const char *target;       /**< path and query, NUL-terminated, in buf */
    size_t target_len;
    const char *body;         /**< JSON body in buf (NUL-terminated), or NULL */
    size_t body_len;
    const char *content_type; /**< "application/json" with a body, else NULL */
} pe_request_t;

/**
 * Validates `input` (the operation's typed input struct) and writes the
 * request target and JSON body into buf, like snprintf: *needed receives
 * the bytes the whole request needs (target + NUL + body + NUL). A NULL
 * buf or a cap smaller than that returns PE_ERR_BUFFER_TOO_SMALL and
 * nothing is written past cap. On a bad input returns
 * PE_ERR_INVALID_ARGUMENT (or PE_ERR_INVALID_UTF8) and, when diag is not
 * NULL, names the offending member there. req may be NULL in size-only
 * calls.
 */
pe_status_t pe_build(const pe_operation_t *op, const void *input, char *buf,
                     size_t cap, size_t *needed, pe_request_t *req,
                     pe_diag_t *diag);

/**
 * Decodes JSON text (RFC 8259, an object at the top) into a typed struct
 * of `shape` (zeroed first): the reverse of the body builder, used for
 * responses and for the command line's input. jsmn tokenizes the text;
 * strings are unescaped in place inside `json` (which is modified once the
 * call succeeds) and returned as NUL-terminated views into it. Members the
 * shape does not know are skipped at any depth (their text is checked all
 * the same); members that travel in the URI or the query string are read
 * by name like the others (the command line's input form names them all).
 *
 * The arena holds, from its first 8-byte aligned address on: jsmn's
 * tokens, one per object, array, string (keys too), number and literal of
 * the text, 20 bytes each (jsmntok_t with JSMN_PARENT_LINKS: type, start,
 * end, size, parent); then, each 8-byte aligned, what the output points
 * to: a shape's size for every sub-structure, the items of every list (an
 * empty list takes 1 byte: its items are not NULL) and the bytes of every
 * blob. Strings take nothing there. So every text needs an arena: 20 bytes
 * for "{}", 60 for {"MessageId":"..."}.
 *
 * *arena_needed receives what this text needs, counted from `arena` (the
 * bytes before its first aligned address in). It is exact once the
 * arena held the tokens; when it did not (a NULL arena: a size query), it
 * is the tokens' need only, a lower bound: a call with that much reports
 * the exact need, or succeeds when the text needs nothing beyond its
 * tokens. A size query leaves out the lead of an arena not yet given: an
 * arena that does not start on an 8-byte boundary loses up to 7 bytes,
 * which the answer counts once the arena is given.
 *
 * Returns PE_ERR_JSON for malformed text or a type mismatch (diag names
 * the member), PE_ERR_BUFFER_TOO_SMALL when the arena is too small (the
 * output then holds nothing and the text is as it was: the call can be
 * repeated on it with a larger arena; a text that is not JSON may be
 * refused only then, once its tokens fit).
 */
pe_status_t pe_json_decode(const pe_shape_t *shape, char *json, size_t len,
                           void *out, void *arena,
                           size_t arena_cap, size_t *arena_needed,
                           pe_diag_t *diag);

#ifdef __cplusplus
}
#endif
#endif /* PE_MODEL_H */
