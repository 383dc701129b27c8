# map_sizes.awk - what each part of a firmware image takes, from the GNU
# ld map file (-Wl,-Map=...): the input sections the linker kept (after
# --gc-sections), summed by where they came from, as text (code, read-only
# data, exception tables), data (initialised RAM, also stored in flash)
# and bss (zeroed RAM, and the stack).
#
#   awk -f map_sizes.awk -v parts="NAME=REGEX;NAME=REGEX;..." image.map
#
# parts: each input file (archive(member) or object path) goes to the
# first NAME whose REGEX (awk ERE) matches it, else to "other". Linker
# fill goes to "alignment fill", a NOLOAD .stack section to "stacks".
# Prints one line per part: NAME<TAB>text<TAB>data<TAB>bss, in the order
# given, then the fill, stack and other lines, the bytes the linker saved
# by merging duplicate strings and constants (negative), then "total",
# which equals the image's sections (arm-none-eabi-size).

# "0x1a2b" -> 6699 (POSIX awk has no strtonum).
function hex(s,    v, i, c) {
    v = 0
    s = tolower(substr(s, 3))
    for (i = 1; i <= length(s); i++) {
        c = index("0123456789abcdef", substr(s, i, 1))
        if (c == 0) break
        v = v * 16 + c - 1
    }
    return v
}
function kind(sec) {
    if (sec == ".text" || sec ~ /^\.ARM\.ex/ || sec == ".rodata") return "text"
    if (sec == ".data") return "data"
    if (sec == ".bss" || sec == ".stack") return "bss"
    return ""
}
function owner(file,    i) {
    for (i = 1; i <= n; i++)
        if (file ~ re[i]) return name[i]
    return "other"
}
# The size of the output section `out`: the stack is its own part; the
# others are kept to compare with what their input sections add up to.
function output_size(size,    k) {
    k = kind(out)
    if (out == ".stack") add("stacks (.stack: main and fault)", "bss", size)
    else if (k != "") outsum[k] += size
}
function add(who, k, size) {
    sum[who, k] += size
}
BEGIN {
    n = split(parts, p, ";")
    for (i = 1; i <= n; i++) {
        eq = index(p[i], "=")
        name[i] = substr(p[i], 1, eq - 1)
        re[i] = substr(p[i], eq + 1)
    }
    started = 0
    out = ""
    pending = ""
}
/^Linker script and memory map/ { started = 1; next }
!started { next }
# An output section: ".text  0xADDR  0xSIZE" (or its name alone, the
# numbers on the next line).
/^\.[A-Za-z_.]/ {
    out = $1
    if (NF >= 3 && $3 ~ /^0x/) output_size(hex($3))
    else size_next = 1
    next
}
size_next {
    size_next = 0
    if ($2 ~ /^0x/) output_size(hex($2))
    next
}
{
    k = kind(out)
    if (k == "" || out == ".stack") { pending = ""; next }
}
/^ \*fill\*/ {
    if ($3 ~ /^0x/) add("alignment fill", k, hex($3))
    next
}
# An input section whose numbers follow on the next line.
/^ [.A-Za-z_]/ && NF == 1 { pending = $1; next }
# " .sect 0xADDR 0xSIZE file" or, after a pending name, "0xADDR 0xSIZE file".
{
    if (pending != "" && NF == 3 && $1 ~ /^0x/ && $2 ~ /^0x/) {
        add(owner($3), k, hex($2))
    } else if ($0 ~ /^ [.A-Za-z_]/ && NF == 4 && $2 ~ /^0x/ && $3 ~ /^0x/) {
        add(owner($4), k, hex($3))
    } else if ($0 ~ /^ COMMON/ && NF == 4 && $3 ~ /^0x/) {
        add(owner($4), k, hex($3))
    }
    pending = ""
}
END {
    for (i = 1; i <= n; i++) line(name[i])
    line("alignment fill")
    line("stacks (.stack: main and fault)")
    line("other")
    # Input sizes of mergeable constants and strings count before the
    # linker merged the duplicates: the difference to the output sections.
    merged["text"] = outsum["text"] + sum["stacks (.stack: main and fault)", "text"] - tt
    merged["data"] = outsum["data"] - td
    merged["bss"] = outsum["bss"] + sum["stacks (.stack: main and fault)", "bss"] - tb
    if (merged["text"] != 0 || merged["data"] != 0 || merged["bss"] != 0) {
        printf "duplicate constants merged\t%d\t%d\t%d\n", merged["text"], merged["data"], merged["bss"]
        tt += merged["text"]; td += merged["data"]; tb += merged["bss"]
    }
    printf "total\t%d\t%d\t%d\n", tt, td, tb
}
function line(who,    t, d, b) {
    t = sum[who, "text"] + 0; d = sum[who, "data"] + 0; b = sum[who, "bss"] + 0
    if (t + d + b == 0 && (who == "other" || who == "alignment fill")) return
    printf "%s\t%d\t%d\t%d\n", who, t, d, b
    tt += t; td += d; tb += b
}
