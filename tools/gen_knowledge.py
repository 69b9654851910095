#!/usr/bin/python3
"""gen_knowledge.py - generate the knowledge tables decode/esc_table.c,
decode/ehlo_table.c and decode/sasl_table.c from the IANA registries
("SMTP Enhanced Status Codes" RFC 3463/5248, "SMTP Service Extensions" in
mail-parameters, "SASL Mechanisms") merged with our own notes in
tools/knowledge/*.txt.

The registries give the facts (codes, names, sample texts, associated basic
codes, references, statuses); the notes give our explanations, the default
failure reason and the RFC section. Every registry entry must have a note and
every note must name a registry entry (or be marked non-IANA), otherwise the
generator stops with an error.

usage: tools/gen_knowledge.py [IANA_DIR] [--out DIR] [--counts]
  IANA_DIR   directory holding the registry XML files
             (default: ../shared/knowledge/iana relative to the project top)
  --out DIR  where to write the .c files (default: decode/ in the project)
  --counts   also print the counts: "esc N", "ehlo N (M registered)", "sasl N"
Standard library only.
"""
import os
import re
import sys
import xml.etree.ElementTree as ET

NS = "{http://www.iana.org/assignments}"
TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTES_DIR = os.path.join(TOP, "tools", "knowledge")


def die(msg):
    sys.stderr.write("gen_knowledge: %s\n" % msg)
    sys.exit(1)


def squash(s):
    """Collapse runs of whitespace to one space and trim."""
    return " ".join((s or "").split())


def text_of(elem):
    return squash("".join(elem.itertext())) if elem is not None else ""


# ---------------------------------------------------------------- notes

def read_notes(name):
    """Parse a notes file: blocks opened by "[key]", then "field: value"
    lines; a line starting with whitespace continues the previous value;
    "#" starts a comment line. Returns an ordered list of (key, dict, line)."""
    path = os.path.join(NOTES_DIR, name)
    blocks = []
    cur = None
    field = None
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                field = None if not line.strip() else field
                continue
            if line.startswith("["):
                m = re.match(r"^\[([^\]]+)\]\s*$", line)
                if not m:
                    die("%s:%d: bad block header" % (name, n))
                cur = {}
                blocks.append((m.group(1).strip(), cur, n))
                field = None
                continue
            if line[0] in " \t":
                if cur is None or field is None:
                    die("%s:%d: continuation without a field" % (name, n))
                cur[field] += " " + line.strip()
                continue
            m = re.match(r"^([a-z-]+):\s*(.*)$", line)
            if not m or cur is None:
                die("%s:%d: expected 'field: value'" % (name, n))
            field = m.group(1)
            if field in cur:
                die("%s:%d: field %s given twice" % (name, n, field))
            cur[field] = m.group(2).strip()
    seen = set()
    for key, _, n in blocks:
        if key.upper() in seen:
            die("%s:%d: duplicate block [%s]" % (name, n, key))
        seen.add(key.upper())
    return blocks


def need(name, key, note, fields):
    for f in fields:
        if not note.get(f):
            die("%s: [%s] has no %s" % (name, key, f))


def reason_names():
    """The reason.h enumerators, as the lower-case names reason.c uses."""
    path = os.path.join(TOP, "decode", "reason.h")
    with open(path, encoding="utf-8") as f:
        body = f.read()
    names = re.findall(r"\bREASON_([A-Z]+)\b", body)
    return set(n.lower() for n in names if n != "LAST")


# ---------------------------------------------------------------- C output

def c_str(s, width=84):
    """A C string literal, split into pieces of at most width characters
    after a space where possible, continuation pieces indented by two tabs."""
    toks = []
    for ch in s:
        o = ord(ch)
        if ch == "\\":
            toks.append("\\\\")
        elif ch == '"':
            toks.append('\\"')
        elif 32 <= o < 127:
            toks.append(ch)
        else:
            toks.extend("\\%03o" % b for b in ch.encode("utf-8"))
    pieces = []
    while toks:
        used, end, last_space = 0, 0, -1
        while end < len(toks) and used + len(toks[end]) <= width:
            used += len(toks[end])
            if toks[end] == " ":
                last_space = end
            end += 1
        if end < len(toks) and last_space > 0:
            end = last_space + 1
        pieces.append("".join(toks[:end]))
        toks = toks[end:]
    if not pieces:
        pieces = [""]
    return ("\n\t\t").join('"%s"' % p for p in pieces)


def write_file(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


# ---------------------------------------------------------------- enhanced codes

def rfc_refs(record):
    """References of a record as display strings ("RFC 3463", a draft name)."""
    refs = []
    for x in record.iter(NS + "xref"):
        t, d = x.get("type"), x.get("data")
        if t == "rfc" and d:
            refs.append("RFC " + d[3:])
        elif t == "draft" and d:
            refs.append(d)
        elif t == "uri" and d:
            refs.append(d)
        elif t in ("person", "text") or not d:
            txt = squash(x.text or d or "")
            if txt and txt != "N/A":
                refs.append(txt)
    return refs


def check_source(kind, key, refs, source):
    """Our notes may add a section to a reference, but must keep every
    reference the registry gives."""
    for r in refs:
        if r not in source:
            die("%s [%s]: source '%s' does not mention registry reference '%s'"
                % (kind, key, source, r))


def load_esc(iana):
    tree = ET.parse(os.path.join(iana, "smtp-enhanced-status-codes.xml"))
    root = tree.getroot()
    updated = squash(root.findtext(NS + "updated"))
    regs = {r.get("id"): r for r in root.iter(NS + "registry")}
    classes, subjects, codes = [], [], []
    for rec in regs["smtp-enhanced-status-codes-1"].findall(NS + "record"):
        m = re.match(r"^([245])\.XXX\.YYY$", squash(rec.findtext(NS + "code")))
        if not m:
            die("unexpected class record")
        classes.append((int(m.group(1)), squash(rec.findtext(NS + "summary")), rfc_refs(rec)))
    for rec in regs["smtp-enhanced-status-codes-2"].findall(NS + "record"):
        m = re.match(r"^X\.(\d+)\.YYY$", squash(rec.findtext(NS + "code")))
        if not m:
            die("unexpected subject record")
        subjects.append((int(m.group(1)), squash(rec.findtext(NS + "summary")), rfc_refs(rec)))
    for rec in regs["smtp-enhanced-status-codes-3"].findall(NS + "record"):
        code = squash(rec.findtext(NS + "code"))
        m = re.match(r"^X\.(\d+)\.(\d+)$", code)
        if not m:
            die("unexpected enumerated code %r" % code)
        basic = squash(rec.findtext(NS + "basic_code"))
        if basic in ("Not given", ".", ""):
            basic = ""
        codes.append({
            "code": code, "subject": int(m.group(1)), "detail": int(m.group(2)),
            "title": squash(rec.findtext(NS + "sample")), "basic": basic,
            "refs": rfc_refs(rec),
        })
    codes.sort(key=lambda c: (c["subject"], c["detail"]))
    return updated, classes, subjects, codes


def gen_esc(iana, outdir, reasons):
    updated, classes, subjects, codes = load_esc(iana)
    notes = {k.upper(): (k, v) for k, v, _ in read_notes("esc_notes.txt")}
    used = set()

    def note(key, fields):
        if key.upper() not in notes:
            die("esc_notes.txt has no block [%s]" % key)
        used.add(key.upper())
        n = notes[key.upper()][1]
        need("esc_notes.txt", key, n, fields)
        return n

    out = []
    out.append("/* esc_table.c - GENERATED by tools/gen_knowledge.py from the IANA \"SMTP Enhanced\n"
               " * Status Codes\" registry (RFC 3463, RFC 5248; registry updated %s) merged\n"
               " * with our explanations in tools/knowledge/esc_notes.txt. Do not edit: change\n"
               " * the notes and run tools/gen_knowledge.py. */\n" % updated)
    out.append('#include "esc.h"\n\n')
    out.append("static const struct esc_info esc_table[] = {\n")
    for c in codes:
        n = note(c["code"], ["meaning", "cause", "fix", "reason"])
        title = c["title"]
        if not title:
            title = n.get("title", "")
            if not title:
                die("[%s]: the registry gives no sample text; add a title" % c["code"])
        elif n.get("title"):
            die("[%s]: title given in notes but the registry has one" % c["code"])
        if n["reason"] not in reasons:
            die("[%s]: unknown reason %r" % (c["code"], n["reason"]))
        source = n.get("source") or "; ".join(c["refs"])
        check_source("esc_notes.txt", c["code"], c["refs"], source)
        out.append("\t{.subject = %d, .detail = %d, .reason = REASON_%s,\n"
                   % (c["subject"], c["detail"], n["reason"].upper()))
        out.append("\t .title = %s,\n" % c_str(title))
        out.append("\t .basic = %s,\n" % c_str(c["basic"]))
        out.append("\t .source = %s,\n" % c_str(source))
        out.append("\t .meaning = %s,\n" % c_str(n["meaning"]))
        out.append("\t .cause = %s,\n" % c_str(n["cause"]))
        out.append("\t .fix = %s},\n" % c_str(n["fix"]))
    out.append("};\n\n")

    out.append("/* Class sub-codes: the registry summary, then our explanation. */\n")
    out.append("static const char *const esc_class_text[6] = {\n")
    for cls, summary, refs in classes:
        n = note("class %d" % cls, ["meaning"])
        out.append("\t[%d] = %s,\n" % (cls, c_str("%s: %s" % (summary, n["meaning"]))))
    out.append("};\n\n")
    nsub = max(s[0] for s in subjects) + 1
    out.append("/* Subject sub-codes: the registry summary, then our explanation. */\n")
    out.append("static const char *const esc_subject_text[%d] = {\n" % nsub)
    for sub, summary, refs in subjects:
        n = note("subject %d" % sub, ["meaning"])
        out.append("\t[%d] = %s,\n" % (sub, c_str("%s: %s" % (summary, n["meaning"]))))
    out.append("};\n\n")
    out.append(
        "const char *esc_class_meaning(int cls)\n{\n"
        "\treturn cls >= 0 && cls < 6 ? esc_class_text[cls] : NULL;\n}\n\n"
        "const char *esc_subject_meaning(int subject)\n{\n"
        "\treturn subject >= 0 && subject < %d ? esc_subject_text[subject] : NULL;\n}\n\n"
        "size_t esc_count(void)\n{\n"
        "\treturn sizeof esc_table / sizeof esc_table[0];\n}\n\n"
        "const struct esc_info *esc_at(size_t i)\n{\n"
        "\treturn i < esc_count() ? &esc_table[i] : NULL;\n}\n" % nsub)
    stale = [notes[k][0] for k in notes if k not in used]
    if stale:
        die("esc_notes.txt has blocks for codes not in the registry: %s" % ", ".join(stale))
    write_file(os.path.join(outdir, "esc_table.c"), "".join(out))
    return len(codes)


# ---------------------------------------------------------------- EHLO keywords

def load_ehlo(iana):
    tree = ET.parse(os.path.join(iana, "mail-parameters.xml"))
    root = tree.getroot()
    updated = squash(root.findtext(NS + "updated"))
    reg = [r for r in root.iter(NS + "registry") if r.get("id") == "mail-parameters-2"]
    if len(reg) != 1:
        die("mail-parameters.xml: no SMTP Service Extensions registry")
    exts = []
    for rec in reg[0].findall(NS + "record"):
        kw = squash(rec.findtext(NS + "value")).upper()
        title = text_of(rec.find(NS + "description"))
        refs = []
        for x in rec.findall(NS + "xref"):
            if x.get("type") == "rfc":
                refs.append("RFC " + x.get("data")[3:])
            else:
                refs.append("IANA registry, contact " + squash(x.text or x.get("data") or ""))
        exts.append({"keyword": kw, "title": title, "refs": refs})
    return updated, exts


def gen_ehlo(iana, outdir):
    updated, exts = load_ehlo(iana)
    blocks = read_notes("ehlo_notes.txt")
    notes = {k.upper(): v for k, v, _ in blocks}
    registered = {e["keyword"] for e in exts}
    rows = []
    for e in exts:
        n = notes.get(e["keyword"])
        if n is None:
            die("ehlo_notes.txt has no block [%s]" % e["keyword"])
        need("ehlo_notes.txt", e["keyword"], n, ["meaning"])
        if n.get("non-iana"):
            die("[%s] is in the IANA registry; drop non-iana" % e["keyword"])
        source = n.get("source") or "; ".join(e["refs"])
        check_source("ehlo_notes.txt", e["keyword"], e["refs"], source)
        rows.append((e["keyword"], e["title"], n["meaning"], source))
    extra = 0
    for key, n, _ in blocks:
        if key.upper() in registered:
            continue
        if n.get("non-iana") != "yes":
            die("ehlo_notes.txt: [%s] is not in the registry and not marked non-iana: yes" % key)
        need("ehlo_notes.txt", key, n, ["title", "meaning", "source"])
        rows.append((key.upper(), n["title"], n["meaning"], "non-IANA: " + n["source"]))
        extra += 1
    out = []
    out.append("/* ehlo_table.c - GENERATED by tools/gen_knowledge.py from the IANA \"SMTP Service\n"
               " * Extensions\" registry (mail-parameters, RFC 5321 2.2.2; registry updated %s)\n"
               " * and the common unregistered keywords, merged with our explanations in\n"
               " * tools/knowledge/ehlo_notes.txt. Do not edit: change the notes and rerun. */\n"
               % updated)
    out.append('#include "ehlo.h"\n\n')
    out.append("static const struct ehlo_ext ehlo_table[] = {\n")
    for kw, title, meaning, source in rows:
        out.append("\t{.keyword = %s,\n" % c_str(kw))
        out.append("\t .title = %s,\n" % c_str(title))
        out.append("\t .source = %s,\n" % c_str(source))
        out.append("\t .meaning = %s},\n" % c_str(meaning))
    out.append("};\n\n")
    out.append("size_t ehlo_count(void)\n{\n\treturn sizeof ehlo_table / sizeof ehlo_table[0];\n}\n\n"
               "const struct ehlo_ext *ehlo_at(size_t i)\n{\n"
               "\treturn i < ehlo_count() ? &ehlo_table[i] : NULL;\n}\n")
    write_file(os.path.join(outdir, "ehlo_table.c"), "".join(out))
    return len(rows), len(exts)


# ---------------------------------------------------------------- SASL mechanisms

SASL_STATUS = {
    "COMMON": "SASL_COMMON",
    "LIMITED": "SASL_LIMITED",
    "LIMITED USE": "SASL_LIMITED",
    "OBSOLETE": "SASL_OBSOLETE",
    "MUST NOT BE USED": "SASL_OBSOLETE",
}


def load_sasl(iana):
    tree = ET.parse(os.path.join(iana, "sasl-mechanisms.xml"))
    root = tree.getroot()
    updated = squash(root.findtext(NS + "updated"))
    mechs = []
    seen = set()
    for reg in root.iter(NS + "registry"):
        for rec in reg.findall(NS + "record"):
            name = squash(rec.findtext(NS + "mechanism"))
            usage = squash(rec.findtext(NS + "usage")).upper()
            if not name or name in seen:
                continue
            if usage not in SASL_STATUS:
                die("sasl-mechanisms.xml: unknown usage %r for %s" % (usage, name))
            refs = []
            for x in rec.findall(NS + "xref"):
                t, d = x.get("type"), x.get("data")
                if t == "rfc":
                    refs.append("RFC " + d[3:])
                elif t == "draft":
                    refs.append(d)
                elif t == "uri":
                    refs.append(d)
                elif t == "person":
                    refs.append("IANA registry, contact " + d.replace("_", " "))
            seen.add(name)
            mechs.append({"name": name, "usage": usage, "refs": refs})
    return updated, mechs


def gen_sasl(iana, outdir):
    updated, mechs = load_sasl(iana)
    notes = {k.upper(): (k, v) for k, v, _ in read_notes("sasl_notes.txt")}
    out = []
    out.append("/* sasl_table.c - GENERATED by tools/gen_knowledge.py from the IANA \"SASL\n"
               " * Mechanisms\" registry (RFC 4422; registry updated %s) merged with our notes\n"
               " * in tools/knowledge/sasl_notes.txt. Do not edit: change the notes and rerun. */\n"
               % updated)
    out.append('#include "ehlo.h"\n\n')
    out.append("static const struct sasl_mech sasl_table[] = {\n")
    used = set()
    for m in mechs:
        if m["name"].upper() not in notes:
            die("sasl_notes.txt has no block [%s]" % m["name"])
        used.add(m["name"].upper())
        n = notes[m["name"].upper()][1]
        need("sasl_notes.txt", m["name"], n, ["meaning"])
        source = n.get("source") or "; ".join(m["refs"]) or "IANA SASL registry"
        check_source("sasl_notes.txt", m["name"], m["refs"], source)
        out.append("\t{.name = %s, .status = %s,\n" % (c_str(m["name"]), SASL_STATUS[m["usage"]]))
        out.append("\t .source = %s,\n" % c_str(source))
        out.append("\t .meaning = %s},\n" % c_str(n["meaning"]))
    out.append("};\n\n")
    out.append("size_t sasl_count(void)\n{\n\treturn sizeof sasl_table / sizeof sasl_table[0];\n}\n\n"
               "const struct sasl_mech *sasl_at(size_t i)\n{\n"
               "\treturn i < sasl_count() ? &sasl_table[i] : NULL;\n}\n")
    stale = [notes[k][0] for k in notes if k not in used]
    if stale:
        die("sasl_notes.txt has blocks for mechanisms not in the registry: %s" % ", ".join(stale))
    write_file(os.path.join(outdir, "sasl_table.c"), "".join(out))
    return len(mechs)


def main(argv):
    iana = os.path.join(TOP, "..", "shared", "knowledge", "iana")
    outdir = os.path.join(TOP, "decode")
    counts = False
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "--out" and args:
            outdir = args.pop(0)
        elif a == "--counts":
            counts = True
        elif a in ("-h", "--help"):
            sys.stdout.write(__doc__)
            return 0
        elif not a.startswith("-"):
            iana = a
        else:
            die("unknown option %s" % a)
    if not os.path.isdir(iana):
        die("registry directory %s not found" % iana)
    if not os.path.isdir(outdir):
        die("output directory %s not found" % outdir)
    reasons = reason_names()
    n_esc = gen_esc(iana, outdir, reasons)
    n_ehlo, n_ehlo_iana = gen_ehlo(iana, outdir)
    n_sasl = gen_sasl(iana, outdir)
    if counts:
        sys.stdout.write("esc %d\nehlo %d (%d registered)\nsasl %d\n" % (n_esc, n_ehlo, n_ehlo_iana, n_sasl))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
