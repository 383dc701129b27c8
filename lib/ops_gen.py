#!/usr/bin/python3
"""Generates include/pe_ops.h and lib/ops_table.c from the AWS service model.

Source of the facts: Debian's python3-botocore, file
botocore/data/pinpoint-email/2018-07-26/service-2.json (the model AWS's SDKs
are generated from). Only the 30 operations of the 2018-07-26 API reference
are emitted. Ranges the model does not carry come from the API reference
(RANGES below).

    /usr/bin/python3 lib/ops_gen.py           regenerate
    /usr/bin/python3 lib/ops_gen.py --check   fail if the committed files differ
"""
import json
import os
import re
import sys

MODEL = ('/usr/lib/python3/dist-packages/botocore/data/pinpoint-email/'
         '2018-07-26/service-2.json')
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADER = os.path.join(ROOT, 'include', 'pe_ops.h')
TABLE = os.path.join(ROOT, 'lib', 'ops_table.c')

OPERATIONS = """
CreateConfigurationSet CreateConfigurationSetEventDestination
CreateDedicatedIpPool CreateEmailIdentity DeleteConfigurationSet
DeleteConfigurationSetEventDestination DeleteDedicatedIpPool
DeleteEmailIdentity GetAccount GetConfigurationSet
GetConfigurationSetEventDestinations GetDedicatedIp GetDedicatedIps
GetEmailIdentity ListConfigurationSets ListDedicatedIpPools
ListEmailIdentities PutAccountDedicatedIpWarmupAttributes
PutAccountSendingAttributes PutConfigurationSetDeliveryOptions
PutConfigurationSetReputationOptions PutConfigurationSetSendingOptions
PutConfigurationSetTrackingOptions PutDedicatedIpInPool
PutDedicatedIpWarmupAttributes PutEmailIdentityDkimAttributes
PutEmailIdentityFeedbackAttributes PutEmailIdentityMailFromAttributes
SendEmail UpdateConfigurationSetEventDestination
""".split()

INT32 = (-2**31, 2**31 - 1)
# Must match build.c: the prefix of every path, and the label marker.
PATH_PREFIX = '/v1/email/'
PATH_LABEL = '#'
# (structure shape, member) -> (min, max); from the API reference:
# "ListEmailIdentities PageSize: at least 0, no more than 1000",
# WarmupPercentage is a percentage (model shape Percentage100Wrapper).
RANGES = {
    ('ListEmailIdentitiesRequest', 'PageSize'): (0, 1000),
    ('GetDedicatedIpsRequest', 'PageSize'): (0, INT32[1]),
    ('ListConfigurationSetsRequest', 'PageSize'): (0, INT32[1]),
    ('ListDedicatedIpPoolsRequest', 'PageSize'): (0, INT32[1]),
    ('PutDedicatedIpWarmupAttributesRequest', 'WarmupPercentage'): (0, 100),
}

CTYPE = {
    'string': 'const char *', 'blob': 'pe_bytes_t', 'boolean': 'pe_bool_t',
    'integer': 'pe_opt_int_t', 'long': 'pe_opt_int_t',
    'double': 'pe_opt_double_t', 'timestamp': 'pe_opt_time_t',
}
KIND = {'blob': 'blob', 'boolean': 'bool', 'double': 'double',
        'timestamp': 'time'}
PETYPE = {
    'string': 'PE_T_STRING', 'blob': 'PE_T_BLOB', 'boolean': 'PE_T_BOOL',
    'integer': 'PE_T_INT', 'long': 'PE_T_INT', 'double': 'PE_T_DOUBLE',
    'timestamp': 'PE_T_TIME', 'structure': 'PE_T_STRUCT', 'list': 'PE_T_LIST',
}


def location(m):
    """'uri', 'query' or None for a member reference of the model."""
    return {'uri': 'uri', 'querystring': 'query'}.get(m.get('location'))


def snake(name):
    s = re.sub(r'([a-z0-9])([A-Z])', r'\1_\2', name)
    s = re.sub(r'([A-Z]+)([A-Z][a-z])', r'\1_\2', s)
    return s.lower()


class Gen:
    def __init__(self, model):
        self.shapes = model['shapes']
        self.ops = model['operations']
        self.order = []          # structure shapes, dependencies first
        self.enums = {}          # enum shape name -> values
        self.lists = {}          # list type name -> element C type
        self.ranges = {}         # range C name -> (min, max)
        self.names = set()       # member names: one object each
        self.canon = {}          # structure -> the one with its very layout
        self.inputs = set()      # structures some input holds
        self.input_lists = set() # lists some input holds
        self.enums_used = set()  # enumerations whose values a table holds

    def name_obj(self, mname):
        """A member name as its own object (not a literal): literals share
        one merged section that --gc-sections keeps whole, named objects
        go (with -fdata-sections) when no kept table refers to them."""
        self.names.add(mname)
        return 'n_%s' % mname

    def name_hosts(self):
        """Member names stored as the tail of another name: n_Name inside
        n_ConfigurationSetName. Only when every operation whose tables
        use the name also uses its host, so that no image keeps a host
        just for its tail. Returns name -> (host object, offset)."""
        uses = {}  # name -> operations whose tables hold it
        for op in OPERATIONS:
            uses.setdefault(op, set()).add(op)
            seen = set()
            o = self.ops[op]
            for sh in (o['input']['shape'], o['output']['shape']):
                self.reach(sh, seen)
            for sh in seen:
                for mname in self.shapes[sh]['members']:
                    uses.setdefault(mname, set()).add(op)
        strings = {n: 'n_%s' % n for n in self.names}
        strings.update({op: '%s_name' % snake(op) for op in OPERATIONS})
        hosts = {}
        for n in sorted(self.names):
            cands = sorted((len(h), h) for h in strings
                           if h != n and h.endswith(n) and uses[n] <= uses[h])
            if cands:
                hosts[n] = cands[0][1]
        # a host is itself stored whole
        for n in list(hosts):
            while hosts[n] in hosts:
                hosts[n] = hosts[hosts[n]]
        return {n: (strings[h], len(h) - len(n)) for n, h in hosts.items()}

    def reach(self, shape, seen, lists=None):
        """Structures (into seen) and lists (into lists) below shape."""
        s = self.shapes[shape]
        if s['type'] == 'structure' and shape not in seen:
            seen.add(shape)
            for m in s['members'].values():
                self.reach(m['shape'], seen, lists)
        elif s['type'] == 'list':
            if lists is not None:
                lists.add(shape)
            self.reach(s['member']['shape'], seen, lists)

    def depth(self, shape):
        """Nesting levels below a structure: one per member, one more per
        list element, as the builder and the decoder nest their levels."""
        def member(sh):
            s = self.shapes[sh]
            if s['type'] == 'structure':
                return 1 + max(1, self.depth(sh))
            if s['type'] == 'list':
                return 1 + member(s['member']['shape'])
            return 1
        return max([member(m['shape'])
                    for m in self.shapes[shape]['members'].values()] or [0])

    # ---------------------------------------------------------- naming
    def struct_type(self, shape):
        if shape.endswith('Request'):
            return 'pe_%s_input_t' % snake(shape[:-len('Request')])
        if shape.endswith('Response'):
            return 'pe_%s_output_t' % snake(shape[:-len('Response')])
        return 'pe_%s_t' % snake(shape)

    def struct_id(self, shape):
        return self.struct_type(shape)[:-2]

    def elem_ctype(self, elem_shape):
        t = self.shapes[elem_shape]['type']
        if t == 'structure':
            return self.struct_type(elem_shape)
        return CTYPE[t]

    def list_type(self, list_shape):
        elem = self.shapes[list_shape]['member']['shape']
        if self.shapes[elem]['type'] == 'string':
            return 'pe_str_list_t'
        name = 'pe_%s_list_t' % snake(elem)
        self.lists[name] = self.elem_ctype(elem)
        return name

    # ---------------------------------------------------------- walk
    def visit(self, shape):
        if shape in self.order:
            return
        s = self.shapes[shape]
        for m in s['members'].values():
            self.visit_member(m['shape'])
        self.order.append(shape)

    def visit_member(self, shape):
        s = self.shapes[shape]
        if 'enum' in s:
            self.enums[shape] = s['enum']
        if s['type'] == 'structure':
            self.visit(shape)
        elif s['type'] == 'list':
            self.visit_member(s['member']['shape'])
            self.list_type(shape)

    # ---------------------------------------------------------- header
    def c_member(self, shape, mname, m):
        s = self.shapes[m['shape']]
        t = s['type']
        if t == 'structure':
            return 'const %s *%s;' % (self.struct_type(m['shape']), snake(mname))
        if t == 'list':
            return '%s %s;' % (self.list_type(m['shape']), snake(mname))
        return '%s%s%s;' % (CTYPE[t], '' if CTYPE[t].endswith('*') else ' ',
                            snake(mname))

    def header(self):
        out = []
        w = out.append
        out.extend(banner('pe_ops.h - typed inputs and outputs of the 30 operations.',
                          'See pe_model.h for how members are represented.'))
        w('#ifndef PE_OPS_H')
        w('#define PE_OPS_H')
        w('')
        w('#include "pe_model.h"')
        w('')
        w('#ifdef __cplusplus')
        w('extern "C" {')
        w('#endif')
        w('')
        w('/* Allowed values of enumerated members (strings on the wire). */')
        for e in sorted(self.enums):
            for v in self.enums[e]:
                w('#define PE_%s_%s "%s"' % (snake(e).upper(), v, v))
        w('')
        w('/** A list of strings. */')
        w('typedef struct {')
        w('    const char *const *items;')
        w('    size_t count;')
        w('} pe_str_list_t;')
        w('')
        # forward declarations so lists can name their element types
        for sh in self.order:
            if self.shapes[sh]['members']:
                w('typedef struct %s %s;' % (self.struct_id(sh), self.struct_type(sh)))
            else:
                w('typedef pe_empty_t %s;' % self.struct_type(sh))
        w('')
        for name in sorted(self.lists):
            w('typedef struct {')
            w('    const %s *items;' % self.lists[name])
            w('    size_t count;')
            w('} %s;' % name)
        w('')
        for sh in self.order:
            s = self.shapes[sh]
            req = s.get('required', [])
            if not s['members']:
                continue
            w('struct %s {' % self.struct_id(sh))
            for mname, m in s['members'].items():
                note = ['required'] if mname in req else []
                note += {'uri': ['URI label'], 'query': ['query string']}.get(
                    location(m), [])
                ms = self.shapes[m['shape']]
                if 'enum' in ms:
                    note.append('PE_%s_*' % snake(m['shape']).upper())
                elif ms['type'] == 'list' and 'enum' in self.shapes[ms['member']['shape']]:
                    note.append('items PE_%s_*' % snake(ms['member']['shape']).upper())
                comment = ' /* %s: %s */' % (mname, ', '.join(note)) if note else \
                    ' /* %s */' % mname
                w('    %s%s' % (self.c_member(sh, mname, m), comment))
            w('};')
            w('')
        depth = max(max(self.depth(self.ops[op]['input']['shape']),
                        self.depth(self.ops[op]['output']['shape']))
                    for op in OPERATIONS)
        w('/* Deepest nesting of any input or output: members below the top')
        w(' * structure, plus one per list element (the builder and the decoder')
        w(' * keep one record per open level; they refuse anything deeper). */')
        w('#define PE_MODEL_MAX_DEPTH %d' % depth)
        w('')
        w('/* The operations. */')
        for op in OPERATIONS:
            w('extern const pe_operation_t pe_op_%s;' % snake(op))
        w('')
        w('/* Every operation as X(name, input type, output type); pe_client.h')
        w(' * uses the same list for its typed calls. */')
        w('#define PE_OPERATIONS(X) \\')
        for op in OPERATIONS:
            o = self.ops[op]
            w('    X(%s, %s, %s)%s' % (snake(op), self.struct_type(o['input']['shape']),
                                     self.struct_type(o['output']['shape']),
                                     ' \\' if op != OPERATIONS[-1] else ''))
        w('')
        w('/* Typed builders: pe_build() for one operation\'s input type, e.g.')
        w(' * pe_status_t pe_build_send_email(const pe_send_email_input_t *in,')
        w(' *     char *buf, size_t cap, size_t *needed, pe_request_t *req,')
        w(' *     pe_diag_t *diag); */')
        w('#define PE_TYPED_BUILDER_(op, in_type, out_type)                                \\')
        w('    static inline pe_status_t pe_build_##op(const in_type *in, char *buf,       \\')
        w('        size_t cap, size_t *needed, pe_request_t *req, pe_diag_t *diag)         \\')
        w('    {                                                                           \\')
        w('        return pe_build(&pe_op_##op, in, buf, cap, needed, req, diag);          \\')
        w('    }')
        w('PE_OPERATIONS(PE_TYPED_BUILDER_)')
        w('')
        w('#ifdef __cplusplus')
        w('}')
        w('#endif')
        w('#endif /* PE_OPS_H */')
        return '\n'.join(out) + '\n'

    # ---------------------------------------------------------- table
    def member_row(self, owner, mname, m, required):
        s = self.shapes[m['shape']]
        t = s['type']
        flags = ['PE_M_REQUIRED'] if mname in required else []
        flags += {'uri': ['PE_M_URI'], 'query': ['PE_M_QUERY']}.get(
            location(m), [])
        if location(m) == 'query':
            # the table names query keys by member name
            assert m.get('locationName', mname) == mname, (owner, mname)
        ref = self.ref(owner, mname, m['shape'])
        return '    {%s, offsetof(%s, %s), %s, %s, %s},' % (
            self.name_obj(mname), self.struct_type(owner), snake(mname), PETYPE[t],
            ' | '.join(flags) or '0', ref)

    def ref(self, owner, mname, shape):
        s = self.shapes[shape]
        t = s['type']
        if t == 'structure':
            return '&%s_shape' % self.struct_id(self.canon.get(shape, shape))
        if t == 'list':
            return '&%s' % self.elem_name(shape)
        if t == 'string':
            # the builder checks enumerations; the decoder does not, so
            # shapes no input uses keep no list of values
            if 'enum' in s and owner in self.inputs:
                self.enums_used.add(shape)
                return '&%s_kind' % snake(shape)
            return 'NULL'
        if t in ('integer', 'long'):
            if owner not in self.inputs:
                return '&pe_kind_int'  # ranges are checked when building
            lo, hi = RANGES.get((owner, mname), INT32)
            rname = ('int_%d_%d' % (lo, hi)).replace('-', 'm')
            self.ranges[rname] = (lo, hi)
            return '&%s' % rname
        return '&pe_kind_%s' % KIND[t]

    def elem_name(self, lshape):
        """The element record of a list: one per element type."""
        elem = self.shapes[lshape]['member']['shape']
        es = self.shapes[elem]
        if es['type'] == 'structure':
            return '%s_elem' % self.struct_id(self.canon.get(elem, elem))[3:]
        if 'enum' in es and lshape in self.input_lists:
            return '%s_elem' % snake(elem)
        return '%s_elem' % es['type']

    def path(self, op):
        # Stored without PATH_PREFIX (the builder writes it); each label is
        # PATH_LABEL, filled from the input's URI members in model order.
        members = self.shapes[op['input']['shape']]['members']
        path = op['http']['requestUri']
        assert path.startswith(PATH_PREFIX) and '?' not in path, path
        path = path[len(PATH_PREFIX):]
        assert PATH_LABEL not in path and not path.startswith('/'), path
        labels = re.findall(r'\{([^}]+)\}', path)
        uri = [m['locationName'] for m in members.values()
               if location(m) == 'uri']
        assert labels == uri, (path, uri)
        return re.sub(r'\{[^}]+\}', PATH_LABEL, path)

    def shape_ref(self, shape):
        if not self.shapes[shape]['members']:
            return '&empty_shape'
        return '&%s_shape' % self.struct_id(self.canon.get(shape, shape))

    def table(self):
        body = []
        w = body.append
        elems_done = set()
        seen = {}  # a structure's layout and table -> the structure emitted

        def emit_list(lshape):
            name = self.elem_name(lshape)
            if name in elems_done:
                return
            elems_done.add(name)
            elem = self.shapes[lshape]['member']['shape']
            es = self.shapes[elem]
            ref = 'NULL'
            if es['type'] == 'structure':
                ref = '&%s_shape' % self.struct_id(self.canon.get(elem, elem))
            elif 'enum' in es and lshape in self.input_lists:
                self.enums_used.add(elem)
                ref = '&%s_kind' % snake(elem)
            w('static const pe_member_t %s = {NULL, 0, %s, 0, %s};' % (
                name, PETYPE[es['type']], ref))

        for sh in self.order:
            s = self.shapes[sh]
            req = s.get('required', [])
            if not s['members']:
                continue
            for m in s['members'].values():
                if self.shapes[m['shape']]['type'] == 'list':
                    emit_list(m['shape'])
            rows = [self.member_row(sh, mname, m, req)
                    for mname, m in s['members'].items()]
            # the same members in the same order: the same C layout
            key = tuple(re.sub(r'offsetof\([^)]*\)', '', r) for r in rows)
            if key in seen:
                self.canon[sh] = seen[key]
                continue
            seen[key] = sh
            w('static const pe_member_t %s_members[] = {' % self.struct_id(sh))
            body.extend(rows)
            w('};')
            w('static const pe_shape_t %s_shape = {%s_members, %d, sizeof(%s)};' % (
                self.struct_id(sh), self.struct_id(sh), len(s['members']),
                self.struct_type(sh)))
            w('')
        methods = sorted({self.ops[op]['http']['method'] for op in OPERATIONS})
        for mth in methods:
            w('static const char method_%s[] = "%s";' % (mth, mth))
        w('')
        paths = {}  # operations that share a path share its object
        for op in OPERATIONS:
            path = self.path(self.ops[op])
            if path not in paths:
                paths[path] = '%s_path' % snake(op)
                w('static const char %s[] = "%s";' % (paths[path], path))
        w('')
        for op in OPERATIONS:
            o = self.ops[op]
            ins = self.shapes[o['input']['shape']]['members'].values()
            fixed = not any(location(m) for m in ins)
            w('const pe_operation_t pe_op_%s = {%s_name, method_%s, %s, %s, %s, %s};' % (
                snake(op), snake(op), o['http']['method'], paths[self.path(o)],
                self.shape_ref(o['input']['shape']),
                self.shape_ref(o['output']['shape']),
                'NULL' if fixed else 'pe_build_target'))
        w('')
        w('const pe_operation_t *const pe_operations[] = {')
        for op in OPERATIONS:
            w('    &pe_op_%s,' % snake(op))
        w('    NULL,')
        w('};')

        head = []
        h = head.append
        head.extend(banner('ops_table.c - the 30 operations as data.'))
        h('#include "pe_ops.h"')
        h('')
        h('#include <stddef.h>')
        h('')
        h('static const pe_shape_t empty_shape = {NULL, 0, sizeof(pe_empty_t)};')
        for e in sorted(self.enums_used):
            for v in self.enums[e]:
                assert re.match(r'^[A-Za-z0-9_]+$', v), v
            vals = ' '.join('"%s\\0"' % v for v in self.enums[e])
            h('static const char %s_values[] = %s;' % (snake(e), vals))
            h('static const pe_kind_t %s_kind = PE_KIND_ENUM(%s_values);' % (
                snake(e), snake(e)))
        h('')
        for op in OPERATIONS:
            h('static const char %s_name[] = "%s";' % (snake(op), op))
        h('')
        hosts = self.name_hosts()
        for n in sorted(self.names):
            if n not in hosts:
                h('static const char n_%s[] = "%s";' % (n, n))
        for n in sorted(hosts):
            h('#define n_%s (%s + %d) /* "%s" */' % ((n,) + hosts[n] + (n,)))
        h('')
        for r in sorted(self.ranges):
            lo, hi = self.ranges[r]
            h('static const pe_range_t range_%s = {%s, %s};' % (r, lit(lo), lit(hi)))
            h('static const pe_kind_t %s = PE_KIND_INT(&range_%s);' % (r, r))
        h('')
        return '\n'.join(head + body) + '\n'


def banner(title, extra=''):
    return ['/* ' + title,
            ' * GENERATED by lib/ops_gen.py from botocore\'s pinpoint-email model;',
            ' * do not edit.%s */' % (' ' + extra if extra else '')]


def lit(v):
    # INT32_MIN cannot be written as a plain negative literal portably.
    if v == INT32[0]:
        return '-2147483647 - 1'
    return str(v)


def main():
    model = json.load(open(MODEL))
    g = Gen(model)
    for op in OPERATIONS:
        o = model['operations'][op]
        g.visit(o['input']['shape'])
        g.visit(o['output']['shape'])
    for op in OPERATIONS:
        g.reach(model['operations'][op]['input']['shape'], g.inputs,
                g.input_lists)
    files = {HEADER: g.header(), TABLE: g.table()}
    if '--check' in sys.argv[1:]:
        stale = [p for p, text in files.items()
                 if not os.path.exists(p) or open(p).read() != text]
        for p in stale:
            print('ops_gen: %s is not what the model generates; run make gen'
                  % os.path.relpath(p, ROOT))
        print('ops_gen: generated files %s' % ('STALE' if stale else 'up to date'))
        sys.exit(1 if stale else 0)
    for p, text in files.items():
        with open(p, 'w') as f:
            f.write(text)
        print('ops_gen: wrote %s' % os.path.relpath(p, ROOT))


if __name__ == '__main__':
    main()
