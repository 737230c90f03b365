/* dns.c — Domain Name System over UDP and TCP, with multicast DNS and LLMNR, as tshark 4.0
 * names and prints it. RFC 1034/1035 (DNS), 2136 (update), 6891 (EDNS), 4034/5155 (DNSSEC),
 * 6762 (mDNS), 4795 (LLMNR), 7766 (TCP), 9460 (SVCB/HTTPS), 8659 (CAA).
 *
 *    0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *   |                      ID                       |
 *   |QR|  Opcode   |AA|TC|RD|RA| Z|AD|CD|   RCODE   |
 *   |      QDCOUNT / ANCOUNT / NSCOUNT / ARCOUNT    |   then questions and resource records
 *
 * Three protocols share one field table and one dissector: "dns" (udp.port and tcp.port 53,
 * tcp.port 5353 as tshark has it, and a strict heuristic on other UDP ports), "mdns" (udp.port
 * 5353: class top bit split into QU / cache flush) and "llmnr" (udp.port and tcp.port 5355:
 * conflict and tentative flags). Over TCP each message has a 2-byte length; the stream API
 * brings whole messages, several per segment or one across many.
 *
 * What tshark shows is followed closely, including where it stops: a read past the captured
 * bytes (or a resource record whose header and RDATA length run past them) ends the message's
 * fields, and dns.response_to / dns.time are only added to a message decoded to its end.
 *
 * Pairing (dns.response_to, dns.time, dns.retransmission...) is tshark's, per flow: the latest
 * transaction per ID; a query within 5 s of an unanswered one with the same ID is a
 * retransmission, a second answer to an answered one too (zone transfers excepted). Queries in
 * ICMP error quotes are not tracked. Records (dns_rec.c) pair the way Zeek's dns.log does.
 */
#include <stdlib.h>
#include <string.h>
#include "dns.h"

/* ---- names of values --------------------------------------------------------------------- */

const struct trawl_value_name dns_type_names[] = {
    { 0, "Unused" }, { 1, "A" }, { 2, "NS" }, { 3, "MD" }, { 4, "MF" }, { 5, "CNAME" },
    { 6, "SOA" }, { 7, "MB" }, { 8, "MG" }, { 9, "MR" }, { 10, "NULL" }, { 11, "WKS" },
    { 12, "PTR" }, { 13, "HINFO" }, { 14, "MINFO" }, { 15, "MX" }, { 16, "TXT" }, { 17, "RP" },
    { 18, "AFSDB" }, { 19, "X25" }, { 20, "ISDN" }, { 21, "RT" }, { 22, "NSAP" },
    { 23, "NSAP-PTR" }, { 24, "SIG" }, { 25, "KEY" }, { 26, "PX" }, { 27, "GPOS" },
    { 28, "AAAA" }, { 29, "LOC" }, { 30, "NXT" }, { 31, "EID" }, { 32, "NIMLOC" }, { 33, "SRV" },
    { 34, "ATMA" }, { 35, "NAPTR" }, { 36, "KX" }, { 37, "CERT" }, { 38, "A6" }, { 39, "DNAME" },
    { 40, "SINK" }, { 41, "OPT" }, { 42, "APL" }, { 43, "DS" }, { 44, "SSHFP" },
    { 45, "IPSECKEY" }, { 46, "RRSIG" }, { 47, "NSEC" }, { 48, "DNSKEY" }, { 49, "DHCID" },
    { 50, "NSEC3" }, { 51, "NSEC3PARAM" }, { 52, "TLSA" }, { 53, "SMIMEA" }, { 55, "HIP" },
    { 56, "NINFO" }, { 57, "RKEY" }, { 58, "TALINK" }, { 59, "CDS" }, { 60, "CDNSKEY" },
    { 61, "OPENPGPKEY" }, { 62, "CSYNC" }, { 63, "ZONEMD" }, { 64, "SVCB" }, { 65, "HTTPS" },
    { 99, "SPF" }, { 100, "UINFO" }, { 101, "UID" }, { 102, "GID" }, { 103, "UNSPEC" },
    { 104, "NID" }, { 105, "L32" }, { 106, "L64" }, { 107, "LP" }, { 108, "EUI48" },
    { 109, "EUI64" }, { 249, "TKEY" }, { 250, "TSIG" }, { 251, "IXFR" }, { 252, "AXFR" },
    { 253, "MAILB" }, { 254, "MAILA" }, { 255, "ANY" }, { 256, "URI" }, { 257, "CAA" },
    { 258, "AVC" }, { 259, "DOA" }, { 260, "AMTRELAY" }, { 32768, "TA" }, { 32769, "DLV" },
    { 65281, "WINS" }, { 65282, "WINS-R" }, { 65422, "XPF" }, { 0, NULL },
};

const char *dns_type_name(uint16_t type)
{
    for (const struct trawl_value_name *v = dns_type_names; v->name; v++)
        if (v->value == type) return v->name;
    return NULL;
}

static const struct trawl_value_name class_names[] = {
    { 1, "IN" }, { 2, "CS" }, { 3, "CH" }, { 4, "HS" }, { 254, "NONE" }, { 255, "ANY" }, { 0, NULL },
};
static const struct trawl_value_name opcode_names[] = {
    { 0, "Standard query" }, { 1, "Inverse query" }, { 2, "Server status request" },
    { 4, "Zone change notification" }, { 5, "Dynamic update" },
    { 6, "DNS Stateful operations (DSO)" }, { 0, NULL },
};
static const struct trawl_value_name rcode_names[] = {
    { 0, "No error" }, { 1, "Format error" }, { 2, "Server failure" }, { 3, "No such name" },
    { 4, "Not implemented" }, { 5, "Refused" }, { 6, "Name exists" }, { 7, "RRset exists" },
    { 8, "RRset does not exist" }, { 9, "Not authoritative" }, { 10, "Name out of zone" },
    { 11, "DSO-Type not implemented" }, { 0, NULL },
};
static const struct trawl_value_name opt_names[] = {
    { 1, "LLQ" }, { 2, "UL" }, { 3, "NSID" }, { 4, "Owner" }, { 5, "DAU" }, { 6, "DHU" },
    { 7, "N3U" }, { 8, "CSUBNET - Client subnet" }, { 9, "EDNS EXPIRE" }, { 10, "COOKIE" },
    { 11, "EDNS TCP KEEPALIVE" }, { 12, "PADDING" }, { 13, "CHAIN" }, { 14, "EDNS KEY TAG" },
    { 15, "Extended DNS Error" }, { 20730, "Experimental - CSUBNET - Client subnet" },
    { 0, NULL },
};

static const char *vname(const struct trawl_value_name *t, uint64_t v)
{
    for (; t->name; t++) if (t->value == v) return t->name;
    return NULL;
}

/* ---- fields ------------------------------------------------------------------------------ */

#define U8(n, d)   { .name = n, .desc = d, .type = TRAWL_FT_U8 }
#define U16(n, d)  { .name = n, .desc = d, .type = TRAWL_FT_U16 }
#define U32(n, d)  { .name = n, .desc = d, .type = TRAWL_FT_U32 }
#define H8(n, d)   { .name = n, .desc = d, .type = TRAWL_FT_U8, .base = TRAWL_BASE_HEX }
#define H16(n, d)  { .name = n, .desc = d, .type = TRAWL_FT_U16, .base = TRAWL_BASE_HEX }
#define STR(n, d)  { .name = n, .desc = d, .type = TRAWL_FT_STRING }
#define BYT(n, d)  { .name = n, .desc = d, .type = TRAWL_FT_BYTES }
#define BOOL(n, d, m) { .name = n, .desc = d, .type = TRAWL_FT_BOOL, .mask = m }
#define NONE(n, d) { .name = n, .desc = d, .type = TRAWL_FT_NONE }

const struct trawl_field_def dns_fields[F_COUNT] = {
    [F_LENGTH]          = U16("dns.length", "Length"),
    [F_ID]              = H16("dns.id", "Transaction ID"),
    [F_FLAGS]           = H16("dns.flags", "Flags"),
    [F_FL_RESPONSE]     = BOOL("dns.flags.response", "Response", 0x8000),
    [F_FL_OPCODE]       = { .name = "dns.flags.opcode", .desc = "Opcode", .type = TRAWL_FT_U16, .names = opcode_names, .mask = 0x7800 },
    [F_FL_AUTHORITATIVE]= BOOL("dns.flags.authoritative", "Authoritative", 0x400),
    [F_FL_CONFLICT]     = BOOL("dns.flags.conflict", "Conflict", 0x400),
    [F_FL_TRUNCATED]    = BOOL("dns.flags.truncated", "Truncated", 0x200),
    [F_FL_RECDESIRED]   = BOOL("dns.flags.recdesired", "Recursion desired", 0x100),
    [F_FL_TENTATIVE]    = BOOL("dns.flags.tentative", "Tentative", 0x100),
    [F_FL_RECAVAIL]     = BOOL("dns.flags.recavail", "Recursion available", 0x80),
    [F_FL_Z]            = BOOL("dns.flags.z", "Z", 0x40),
    [F_FL_AUTHENTICATED]= BOOL("dns.flags.authenticated", "Answer authenticated", 0x20),
    [F_FL_CHECKDISABLE] = BOOL("dns.flags.checkdisable", "Non-authenticated data", 0x10),
    [F_FL_RCODE]        = { .name = "dns.flags.rcode", .desc = "Reply code", .type = TRAWL_FT_U16, .names = rcode_names, .mask = 0xf },
    [F_CNT_QUERIES]     = U16("dns.count.queries", "Questions"),
    [F_CNT_ZONES]       = U16("dns.count.zones", "Zones"),
    [F_CNT_ANSWERS]     = U16("dns.count.answers", "Answer RRs"),
    [F_CNT_PREREQ]      = U16("dns.count.prerequisites", "Prerequisites"),
    [F_CNT_AUTH]        = U16("dns.count.auth_rr", "Authority RRs"),
    [F_CNT_UPDATES]     = U16("dns.count.updates", "Updates"),
    [F_CNT_ADD]         = U16("dns.count.add_rr", "Additional RRs"),
    [F_QRY_NAME]        = STR("dns.qry.name", "Name"),
    [F_QRY_NAME_LEN]    = U16("dns.qry.name.len", "Name Length"),
    [F_CNT_LABELS]      = U16("dns.count.labels", "Label Count"),
    [F_QRY_TYPE]        = { .name = "dns.qry.type", .desc = "Type", .type = TRAWL_FT_U16, .names = dns_type_names },
    [F_QRY_CLASS]       = { .name = "dns.qry.class", .desc = "Class", .type = TRAWL_FT_U16, .base = TRAWL_BASE_HEX, .names = class_names },
    [F_QRY_QU]          = BOOL("dns.qry.qu", "\"QU\" question", 0x8000),
    [F_RESP_NAME]       = STR("dns.resp.name", "Name"),
    [F_SRV_SERVICE]     = STR("dns.srv.service", "Service"),
    [F_SRV_PROTO]       = STR("dns.srv.proto", "Protocol"),
    [F_SRV_NAME]        = STR("dns.srv.name", "Name"),
    [F_RESP_TYPE]       = { .name = "dns.resp.type", .desc = "Type", .type = TRAWL_FT_U16, .names = dns_type_names },
    [F_RESP_CLASS]      = { .name = "dns.resp.class", .desc = "Class", .type = TRAWL_FT_U16, .base = TRAWL_BASE_HEX, .names = class_names },
    [F_RESP_CACHE_FLUSH]= BOOL("dns.resp.cache_flush", "Cache flush", 0x8000),
    [F_RESP_TTL]        = U32("dns.resp.ttl", "Time to live"),
    [F_RESP_LEN]        = U16("dns.resp.len", "Data length"),
    [F_UDP_PAYLOAD]     = U16("dns.rr.udp_payload_size", "UDP payload size"),
    [F_EXT_RCODE]       = H8("dns.resp.ext_rcode", "Higher bits in extended RCODE"),
    [F_EDNS0_VERSION]   = U8("dns.resp.edns0_version", "EDNS0 version"),
    [F_RESP_Z]          = H16("dns.resp.z", "Z"),
    [F_RESP_Z_DO]       = BOOL("dns.resp.z.do", "DO bit", 0x8000),
    [F_RESP_Z_RESERVED] = { .name = "dns.resp.z.reserved", .desc = "Reserved", .type = TRAWL_FT_U16, .base = TRAWL_BASE_HEX, .mask = 0x7fff },
    [F_OPT]             = NONE("dns.opt", "Option"),
    [F_OPT_CODE]        = { .name = "dns.opt.code", .desc = "Option Code", .type = TRAWL_FT_U16, .names = opt_names },
    [F_OPT_LEN]         = U16("dns.opt.len", "Option Length"),
    [F_OPT_DATA]        = BYT("dns.opt.data", "Option Data"),
    [F_OPT_DAU]         = U8("dns.opt.dau", "DAU"),
    [F_OPT_DHU]         = U8("dns.opt.dhu", "DHU"),
    [F_OPT_N3U]         = U8("dns.opt.n3u", "N3U"),
    [F_OPT_CL_FAMILY]   = U16("dns.opt.client.family", "Family"),
    [F_OPT_CL_NETMASK]  = U8("dns.opt.client.netmask", "Source Netmask"),
    [F_OPT_CL_SCOPE]    = U8("dns.opt.client.scope", "Scope Netmask"),
    [F_OPT_CL_ADDR]     = BYT("dns.opt.client.addr", "Client Subnet"),
    [F_OPT_CL_ADDR4]    = { .name = "dns.opt.client.addr4", .desc = "Client Subnet", .type = TRAWL_FT_IPV4 },
    [F_OPT_CL_ADDR6]    = { .name = "dns.opt.client.addr6", .desc = "Client Subnet", .type = TRAWL_FT_IPV6 },
    [F_OPT_COOKIE_CLIENT] = BYT("dns.opt.cookie.client", "Client Cookie"),
    [F_OPT_COOKIE_SERVER] = BYT("dns.opt.cookie.server", "Server Cookie"),
    [F_OPT_KEEPALIVE]   = U16("dns.opt.edns_tcp_keepalive.timeout", "Timeout"),
    [F_OPT_PADDING]     = BYT("dns.opt.padding", "Padding"),
    [F_OPT_CHAIN]       = STR("dns.opt.chain.fqdn", "Closest Trust Point"),
    [F_OPT_EDE_CODE]    = U16("dns.opt.ext_error.info_code", "Info Code"),
    [F_OPT_EDE_TEXT]    = STR("dns.opt.ext_error.extra_text", "Extra Text"),
    [F_A]               = { .name = "dns.a", .desc = "Address", .type = TRAWL_FT_IPV4 },
    [F_NS]              = STR("dns.ns", "Name Server"),
    [F_CNAME]           = STR("dns.cname", "CNAME"),
    [F_SOA_MNAME]       = STR("dns.soa.mname", "Primary name server"),
    [F_SOA_RNAME]       = STR("dns.soa.rname", "Responsible authority's mailbox"),
    [F_SOA_SERIAL]      = U32("dns.soa.serial_number", "Serial Number"),
    [F_SOA_REFRESH]     = U32("dns.soa.refresh_interval", "Refresh Interval"),
    [F_SOA_RETRY]       = U32("dns.soa.retry_interval", "Retry Interval"),
    [F_SOA_EXPIRE]      = U32("dns.soa.expire_limit", "Expire limit"),
    [F_SOA_MINIMUM]     = U32("dns.soa.minimum_ttl", "Minimum TTL"),
    [F_PTR]             = STR("dns.ptr.domain_name", "Domain Name"),
    [F_HINFO_CPU_LEN]   = U8("dns.hinfo.cpu_length", "CPU Length"),
    [F_HINFO_CPU]       = STR("dns.hinfo.cpu", "CPU"),
    [F_HINFO_OS_LEN]    = U8("dns.hinfo.os_length", "OS Length"),
    [F_HINFO_OS]        = STR("dns.hinfo.os", "OS"),
    [F_MX_PREF]         = U16("dns.mx.preference", "Preference"),
    [F_MX_EXCHANGE]     = STR("dns.mx.mail_exchange", "Mail Exchange"),
    [F_TXT_LEN]         = U8("dns.txt.length", "TXT Length"),
    [F_TXT]             = STR("dns.txt", "TXT"),
    [F_AAAA]            = { .name = "dns.aaaa", .desc = "AAAA Address", .type = TRAWL_FT_IPV6 },
    [F_SRV_PRIORITY]    = U16("dns.srv.priority", "Priority"),
    [F_SRV_WEIGHT]      = U16("dns.srv.weight", "Weight"),
    [F_SRV_PORT]        = U16("dns.srv.port", "Port"),
    [F_SRV_TARGET]      = STR("dns.srv.target", "Target"),
    [F_DNAME]           = STR("dns.dname", "Dname"),
    [F_SPF_LEN]         = U8("dns.spf.length", "SPF Length"),
    [F_SPF]             = STR("dns.spf", "SPF"),
    [F_DS_KEY_ID]       = H16("dns.ds.key_id", "Key id"),
    [F_DS_ALGO]         = U8("dns.ds.algorithm", "Algorithm"),
    [F_DS_DIGEST_TYPE]  = U8("dns.ds.digest_type", "Digest Type"),
    [F_DS_DIGEST]       = BYT("dns.ds.digest", "Digest"),
    [F_SSHFP_ALGO]      = U8("dns.sshfp.algorithm", "Algorithm"),
    [F_SSHFP_FPTYPE]    = U8("dns.sshfp.fingerprint.type", "Fingerprint type"),
    [F_SSHFP_FP]        = BYT("dns.sshfp.fingerprint", "Fingerprint"),
    [F_RRSIG_TYPE]      = { .name = "dns.rrsig.type_covered", .desc = "Type Covered", .type = TRAWL_FT_U16, .names = dns_type_names },
    [F_RRSIG_ALGO]      = U8("dns.rrsig.algorithm", "Algorithm"),
    [F_RRSIG_LABELS]    = U8("dns.rrsig.labels", "Labels"),
    [F_RRSIG_ORIG_TTL]  = U32("dns.rrsig.original_ttl", "Original TTL"),
    [F_RRSIG_EXPIRATION]= { .name = "dns.rrsig.signature_expiration", .desc = "Signature Expiration", .type = TRAWL_FT_TIME },
    [F_RRSIG_INCEPTION] = { .name = "dns.rrsig.signature_inception", .desc = "Signature Inception", .type = TRAWL_FT_TIME },
    [F_RRSIG_KEY_TAG]   = U16("dns.rrsig.key_tag", "Key Tag"),
    [F_RRSIG_SIGNER]    = STR("dns.rrsig.signers_name", "Signer's name"),
    [F_RRSIG_SIGNATURE] = BYT("dns.rrsig.signature", "Signature"),
    [F_NSEC_NEXT]       = STR("dns.nsec.next_domain_name", "Next Domain Name"),
    [F_DNSKEY_FLAGS]    = H16("dns.dnskey.flags", "Flags"),
    [F_DNSKEY_ZONE_KEY] = BOOL("dns.dnskey.flags.zone_key", "Zone Key", 0x100),
    [F_DNSKEY_REVOKED]  = BOOL("dns.dnskey.flags.key_revoked", "Key Revoked", 0x80),
    [F_DNSKEY_SEP]      = BOOL("dns.dnskey.flags.secure_entry_point", "Key Signing Key", 0x1),
    [F_DNSKEY_RESERVED] = { .name = "dns.dnskey.flags.reserved", .desc = "Key Signing Key", .type = TRAWL_FT_U16, .base = TRAWL_BASE_HEX, .mask = 0xfe7e },
    [F_DNSKEY_PROTOCOL] = U8("dns.dnskey.protocol", "Protocol"),
    [F_DNSKEY_ALGO]     = U8("dns.dnskey.algorithm", "Algorithm"),
    [F_DNSKEY_KEY_ID]   = U16("dns.dnskey.key_id", "Key id"),
    [F_DNSKEY_PUBKEY]   = BYT("dns.dnskey.public_key", "Public Key"),
    [F_NSEC3_ALGO]      = U8("dns.nsec3.algo", "Hash algorithm"),
    [F_NSEC3_FLAGS]     = U8("dns.nsec3.flags", "NSEC3 flags"),
    [F_NSEC3_OPTOUT]    = BOOL("dns.nsec3.flags.opt_out", "NSEC3 Opt-out flag", 0x1),
    [F_NSEC3_ITERATIONS]= U16("dns.nsec3.iterations", "NSEC3 iterations"),
    [F_NSEC3_SALT_LEN]  = U8("dns.nsec3.salt_length", "Salt length"),
    [F_NSEC3_SALT]      = BYT("dns.nsec3.salt_value", "Salt value"),
    [F_NSEC3_HASH_LEN]  = U8("dns.nsec3.hash_length", "Hash length"),
    [F_NSEC3_HASH]      = STR("dns.nsec3.hash_value", "Next hashed owner"),
    [F_SVCB_PRIORITY]   = U16("dns.svcb.svcpriority", "SvcPriority"),
    [F_SVCB_TARGET]     = STR("dns.svcb.targetname", "TargetName"),
    [F_SVCB_PARAM]      = NONE("dns.svcb.svcparam", "SvcParam"),
    [F_SVCB_KEY]        = U16("dns.svcb.svcparam.key", "SvcParamKey"),
    [F_SVCB_VALUE_LEN]  = U16("dns.svcb.svcparam.value.length", "SvcParamValue length"),
    [F_SVCB_VALUE]      = BYT("dns.svcb.svcparam.value", "SvcParamValue"),
    [F_SVCB_MANDATORY]  = U16("dns.svcb.svcparam.mandatory.key", "Mandatory key"),
    [F_SVCB_ALPN_LEN]   = U8("dns.svcb.svcparam.alpn.length", "ALPN length"),
    [F_SVCB_ALPN]       = STR("dns.svcb.svcparam.alpn", "ALPN"),
    [F_SVCB_PORT]       = U16("dns.svcb.svcparam.port", "Port"),
    [F_SVCB_IPV4HINT]   = { .name = "dns.svcb.svcparam.ipv4hint.ip", .desc = "IP", .type = TRAWL_FT_IPV4 },
    [F_SVCB_ECH]        = BYT("dns.svcb.svcparam.echconfig", "ECHConfig"),
    [F_SVCB_IPV6HINT]   = { .name = "dns.svcb.svcparam.ipv6hint.ip", .desc = "IP", .type = TRAWL_FT_IPV6 },
    [F_SVCB_ODOH]       = BYT("dns.svcb.svcparam.odohconfig", "ODoHConfig"),
    [F_CAA_FLAGS]       = H8("dns.caa.flags", "CAA Flags"),
    [F_CAA_CRITICAL]    = BOOL("dns.caa.flags.issuer_critical", "Issuer Critical", 0x80),
    [F_CAA_ISSUE]       = STR("dns.caa.issue", "Issue"),
    [F_CAA_ISSUEWILD]   = STR("dns.caa.issuewild", "Issue Wildcard"),
    [F_CAA_IODEF]       = STR("dns.caa.iodef", "Report URL"),
    [F_CAA_UNKNOWN]     = STR("dns.caa.unknown", "Unknown tag"),
    [F_CAA_TAG_LEN]     = U8("dns.caa.tag_length", "Tag length"),
    [F_CAA_TAG]         = STR("dns.caa.tag", "Tag"),
    [F_CAA_VALUE]       = STR("dns.caa.value", "Value"),
    [F_DATA]            = BYT("dns.data", "Data"),
    [F_RESPONSE_TO]     = { .name = "dns.response_to", .desc = "Request In", .type = TRAWL_FT_U64 },
    [F_TIME]            = { .name = "dns.time", .desc = "Time", .type = TRAWL_FT_RELTIME },
    [F_RETRANSMISSION]  = BOOL("dns.retransmission", "Retransmission", 0),
    [F_RETRANS_REQ_IN]  = { .name = "dns.retransmit_request_in", .desc = "Retransmitted request. Original request in", .type = TRAWL_FT_U64 },
    [F_RETRANS_RESP_IN] = { .name = "dns.retransmit_response_in", .desc = "Retransmitted response. Original response in", .type = TRAWL_FT_U64 },
    [F_UNSOLICITED]     = BOOL("dns.unsolicited", "Unsolicited", 0),
    [F_NAME_FORWARD]    = NONE("dns.name.pointer_forward", "A compression pointer points forward (followed, as tshark does)"),
    [F_NAME_LOOP]       = NONE("dns.name.pointer_loop", "Compression pointers loop (or more than 255 of them)"),
    [F_NAME_TOO_LONG]   = NONE("dns.name.too_long", "The expanded name is longer than 253 bytes"),
    /* Labels that group a question's or a record's fields in -V (tshark's unnamed subtrees). */
    [F_QUESTION]        = NONE("dns.question", "Question"),
    [F_RR]              = NONE("dns.rr", "Resource record"),
};

/* ---- per-flow state ---------------------------------------------------------------------- */

static struct dns_flow *flow_state(struct trawl_packet *pkt, const struct dns_proto_state *ps)
{
    const struct dns_state *st = ps->st;
    struct trawl_flow *f = trawl_packet_flow(pkt);
    if (!f || trawl_packet_in_quote(pkt)) return NULL;
    /* Records cost memory only when someone takes them: the pending part is left out. */
    bool rec = st->rec && trawl_record_wanted(pkt, st->rec);
    size_t base = (sizeof(struct dns_flow) + 15) & ~(size_t)15;
    size_t txs = st->max_tx * sizeof(struct dns_tx);
    size_t pend = st->max_pending * sizeof(struct dns_pending);
    size_t size = base + txs + (rec ? pend + DNS_NAMEBUF : 0);
    struct dns_flow *fl = trawl_flow_state(f, st->proto[ps->kind], size);
    if (fl && !fl->tx) {
        uint8_t *p = (uint8_t *)fl + base;
        fl->tx = (struct dns_tx *)p;
        if (rec) {
            fl->has_rec = true;
            fl->pend = (struct dns_pending *)(p + txs);
            fl->names = (char *)(p + txs + pend);
        }
    }
    return fl;
}

static struct dns_tx *tx_find(const struct dns_state *st, struct dns_flow *fl, uint16_t id)
{
    for (unsigned i = 0; i < st->max_tx; i++)
        if (fl->tx[i].used && fl->tx[i].id == id) return &fl->tx[i];
    return NULL;
}

/* A new transaction for id: its old one's place, a free place, or the oldest's. */
static struct dns_tx *tx_new(const struct dns_state *st, struct dns_flow *fl, uint16_t id)
{
    struct dns_tx *t = tx_find(st, fl, id), *old = NULL;
    for (unsigned i = 0; !t && i < st->max_tx; i++) {
        if (!fl->tx[i].used) { t = &fl->tx[i]; break; }
        if (!old || fl->tx[i].req_frame < old->req_frame) old = &fl->tx[i];
    }
    if (!t) t = old;
    memset(t, 0, sizeof *t);
    t->used = true;
    t->id = id;
    return t;
}

/* tshark's tracking at the start of a message (before anything but ID and flags is read). */
struct track {
    struct dns_tx *tx;          /* NULL: tshark's "fake" transaction (req_frame 0) */
    bool retransmission;
};

static struct track track_begin(struct dns_msg *m, const struct dns_state *st, struct dns_flow *fl)
{
    struct track tr = { NULL, false };
    if (!fl) return tr;
    const struct trawl_frame *fr = trawl_packet_frame(m->pkt);
    struct dns_tx *t = tx_find(st, fl, m->id);
    if (!m->response) {
        bool fresh = !t || t->rep_frame > 0;
        if (!fresh) {
            if (fr->ts_ns - t->req_ns < st->retrans_ns) tr.retransmission = true;
            else fresh = true;
        }
        if (fresh) {
            t = tx_new(st, fl, m->id);
            t->req_frame = fr->number;
            t->req_ns = fr->ts_ns;
        }
        tr.tx = t;
    } else if (t) {
        if (t->rep_frame == 0) t->rep_frame = fr->number;
        else if (!t->multi) tr.retransmission = true;
        tr.tx = t;
    }
    return tr;
}

/* The tracking fields, added once the whole message was decoded (tshark adds them last). */
static void track_end(struct dns_msg *m, const struct track *tr)
{
    struct trawl_packet *pkt = m->pkt;
    if (!m->response) {
        if (tr->retransmission && tr->tx && tr->tx->req_frame) {
            trawl_add_uint(pkt, F_RETRANS_REQ_IN, tr->tx->req_frame);
            trawl_add_bool(pkt, F_RETRANSMISSION, true);
        }
        return;
    }
    if (tr->tx && tr->tx->req_frame) {
        if (tr->retransmission && tr->tx->rep_frame) {
            trawl_add_uint(pkt, F_RETRANS_RESP_IN, tr->tx->rep_frame);
            trawl_add_bool(pkt, F_RETRANSMISSION, true);
        } else {
            trawl_add_uint(pkt, F_RESPONSE_TO, tr->tx->req_frame);
            trawl_add_time(pkt, F_TIME, trawl_packet_frame(pkt)->ts_ns - tr->tx->req_ns);
        }
    } else if (!tr->retransmission) {
        trawl_add_bool(pkt, F_UNSOLICITED, true);
    }
}

/* ---- one message ------------------------------------------------------------------------- */

static bool question(struct dns_msg *m, uint32_t *poff, bool *axfr)
{
    uint32_t off = *poff;
    struct dns_name n;
    if (!dns_name_read(m, off, &n)) return false;
    if (!dns_need(m, off + n.used, 4)) return false;
    uint16_t type = trawl_buf_u16be(&m->b, off + n.used);
    uint16_t cls = trawl_buf_u16be(&m->b, off + n.used + 2);
    bool qu = false;
    if (m->kind == DNS_KIND_MDNS) { qu = cls & 0x8000; cls &= 0x7fff; }
    if (type == T_AXFR || type == T_IXFR) *axfr = true;
    struct trawl_packet *pkt = m->pkt;
    if (m->cols) {
        uint32_t len;
        const char *t = dns_name_text(m, &n, &len);
        const char *tn = dns_type_name(type);
        if (tn) trawl_col_append(pkt, TRAWL_COL_INFO, " %s %.*s", tn, (int)len, t ? t : "");
        else trawl_col_append(pkt, TRAWL_COL_INFO, " Unknown (%u) %.*s", type, (int)len, t ? t : "");
        if (m->kind == DNS_KIND_MDNS)
            trawl_col_append(pkt, TRAWL_COL_INFO, ", \"%s\" question", qu ? "QU" : "QM");
    }
    trawl_tree_push(pkt, F_QUESTION);
    dns_add_name(m, F_QRY_NAME, &n);
    trawl_add_uint(pkt, F_QRY_NAME_LEN, n.raw_len > 1 ? n.raw_len : 0);
    unsigned labels = 0;
    if (n.raw_len > 1) {
        labels = 1;
        for (uint32_t i = 0; i < n.raw_len; i++) labels += n.raw[i] == '.';
    }
    trawl_add_uint(pkt, F_CNT_LABELS, labels);
    trawl_add_uint(pkt, F_QRY_TYPE, type);
    trawl_add_uint(pkt, F_QRY_CLASS, cls);
    if (m->kind == DNS_KIND_MDNS) trawl_add_bool(pkt, F_QRY_QU, qu);
    trawl_tree_pop(pkt);
    dns_rec_question(m, &n, type, cls);
    *poff = off + n.used + 4;
    return true;
}

static void add_flags(struct dns_msg *m)
{
    struct trawl_packet *pkt = m->pkt;
    uint16_t fl = m->flags;
    bool resp = fl & 0x8000;
    trawl_add_uint(pkt, F_FLAGS, fl);
    trawl_add_bool(pkt, F_FL_RESPONSE, resp);
    trawl_add_uint(pkt, F_FL_OPCODE, (fl >> 11) & 0xf);
    if (m->kind == DNS_KIND_LLMNR) {
        trawl_add_bool(pkt, F_FL_CONFLICT, fl & 0x400);
        trawl_add_bool(pkt, F_FL_TRUNCATED, fl & 0x200);
        trawl_add_bool(pkt, F_FL_TENTATIVE, fl & 0x100);
        if (resp) trawl_add_uint(pkt, F_FL_RCODE, fl & 0xf);
        return;
    }
    if (resp) trawl_add_bool(pkt, F_FL_AUTHORITATIVE, fl & 0x400);
    trawl_add_bool(pkt, F_FL_TRUNCATED, fl & 0x200);
    trawl_add_bool(pkt, F_FL_RECDESIRED, fl & 0x100);
    if (resp) trawl_add_bool(pkt, F_FL_RECAVAIL, fl & 0x80);
    trawl_add_bool(pkt, F_FL_Z, fl & 0x40);
    if (resp || (fl & 0x20)) trawl_add_bool(pkt, F_FL_AUTHENTICATED, fl & 0x20);
    trawl_add_bool(pkt, F_FL_CHECKDISABLE, fl & 0x10);
    if (resp) trawl_add_uint(pkt, F_FL_RCODE, fl & 0xf);
}

/* Decode one message in view b (its own latch); tcp_len >= 0 adds dns.length. */
static void message(struct trawl_packet *pkt, struct trawl_buf *b, const struct dns_proto_state *ps,
                    int32_t tcp_len)
{
    const struct dns_state *st = ps->st;
    struct dns_msg m = { .pkt = pkt, .b = *b, .kind = ps->kind, .cols = trawl_cols_wanted(pkt) };
    /* ID and flags are read before anything is shown. */
    if (!dns_need(&m, 0, 4)) return;
    m.id = trawl_buf_u16be(&m.b, 0);
    m.flags = trawl_buf_u16be(&m.b, 2);
    m.response = m.flags & 0x8000;
    unsigned opcode = (m.flags >> 11) & 0xf, rcode = m.flags & 0xf;
    if (m.cols) {
        const char *on = vname(opcode_names, opcode);
        if (on) trawl_col_set(pkt, TRAWL_COL_INFO, "%s%s 0x%04x", on, m.response ? " response" : "", m.id);
        else trawl_col_set(pkt, TRAWL_COL_INFO, "Unknown operation (%u)%s 0x%04x", opcode,
                           m.response ? " response" : "", m.id);
        if (m.response && rcode) {
            const char *rn = vname(rcode_names, rcode);
            if (rn) trawl_col_append(pkt, TRAWL_COL_INFO, " %s", rn);
            else trawl_col_append(pkt, TRAWL_COL_INFO, " Unknown error (%u)", rcode);
        }
    }
    struct dns_flow *fl = flow_state(pkt, ps);
    struct track tr = track_begin(&m, st, fl);
    dns_rec_begin(&m, st, fl);

    if (tcp_len >= 0) trawl_add_uint(pkt, F_LENGTH, (uint64_t)tcp_len);
    trawl_add_uint(pkt, F_ID, m.id);
    add_flags(&m);

    bool update = opcode == 5;
    uint16_t counts[4] = { 0, 0, 0, 0 };
    static const unsigned cidx[2][4] = {
        { F_CNT_QUERIES, F_CNT_ANSWERS, F_CNT_AUTH, F_CNT_ADD },
        { F_CNT_ZONES, F_CNT_PREREQ, F_CNT_UPDATES, F_CNT_ADD },
    };
    bool have_counts = true;
    for (int i = 0; i < 4; i++) {
        if (!dns_need(&m, 4u + 2u * (uint32_t)i, 2)) { have_counts = false; break; }
        counts[i] = trawl_buf_u16be(&m.b, 4u + 2u * (uint32_t)i);
        trawl_add_uint(pkt, cidx[update][i], counts[i]);
    }
    uint32_t off = 12;
    bool axfr = false;
    if (have_counts) {
        for (unsigned i = 0; i < counts[0] && !m.err; i++) question(&m, &off, &axfr);
        if (!m.err && counts[0] && tr.tx) tr.tx->multi = axfr;
        static const enum dns_section secs[3] = { SEC_ANSWER, SEC_AUTHORITY, SEC_ADDITIONAL };
        for (int s = 0; s < 3 && !m.err; s++)
            for (unsigned i = 0; i < counts[s + 1] && !m.err; i++) dns_rr(&m, &off, secs[s]);
        if (!m.err) track_end(&m, &tr);
    }
    if (m.z) dns_rec_end(&m, st, fl, counts);
}

/* ---- the dissector ----------------------------------------------------------------------- */

/* After a TCP gap: does a message plausibly start here? */
static bool plausible_start(const struct trawl_buf *b, uint32_t off, uint32_t avail)
{
    if (avail < 2 + 12) return avail >= 2 && trawl_buf_u16be(b, off) >= 12;
    uint16_t n = trawl_buf_u16be(b, off);
    if (n < 12) return false;
    uint16_t fl = trawl_buf_u16be(b, off + 4), qd = trawl_buf_u16be(b, off + 6);
    unsigned opcode = (fl >> 11) & 0xf;
    return opcode <= 6 && opcode != 3 && qd <= 16;
}

static int dns_dissect(struct trawl_packet *pkt, struct trawl_buf *b, void *state)
{
    const struct dns_proto_state *ps = state;
    uint32_t len = trawl_buf_len(b);
    if (!trawl_packet_in_stream(pkt)) {
        uint8_t latch = 0;
        struct trawl_buf mb = trawl_buf_make(b->data, trawl_buf_caplen(b), len, &latch);
        mb.base = b->base;
        message(pkt, &mb, ps, -1);
        *b->err |= latch;
        return len ? (int)len : 1;
    }
    /* TCP: 2-byte length, then the message; several per call, or one across calls. */
    struct trawl_flow *f = trawl_packet_flow(pkt);
    int dir = trawl_packet_flow_dir(pkt);
    struct dns_flow *fl = f ? trawl_flow_state_peek(f, ps->st->proto[ps->kind]) : NULL;
    uint32_t off = 0;
    while (len - off >= 2) {
        if (fl && fl->desync[dir]) {
            if (!plausible_start(b, off, len - off)) return (int)len;
            fl->desync[dir] = false;
        }
        uint16_t n = trawl_buf_u16be(b, off);
        if (len - off - 2 < n) { trawl_stream_need_more(pkt, n - (len - off - 2)); break; }
        uint8_t latch = 0;
        struct trawl_buf mb = trawl_buf_make(b->data + off + 2, n, n, &latch);
        mb.base = b->base + off + 2;
        message(pkt, &mb, ps, n);
        *b->err |= latch;
        off += 2u + n;
        if (!fl && f) fl = trawl_flow_state_peek(f, ps->st->proto[ps->kind]);
    }
    if (len - off == 1) trawl_stream_need_more(pkt, 1);
    return (int)off;
}

static void dns_gap(struct trawl_packet *pkt, struct trawl_flow *f, int dir, uint64_t len, void *state)
{
    const struct dns_proto_state *ps = state;
    struct dns_flow *fl = trawl_flow_state_peek(f, ps->st->proto[ps->kind]);
    if (fl) fl->desync[dir] = true;
    (void)pkt; (void)len;
}

static void dns_end(struct trawl_packet *ctx, struct trawl_flow *f, void *flow_state, void *state)
{
    const struct dns_proto_state *ps = state;
    if (flow_state) dns_rec_flow_end(ctx, f, flow_state, ps->st);
}

/* ---- heuristic (UDP): tshark's header rules, plus one well-formed question --------------- */

static enum trawl_heur_result dns_probe(const struct trawl_buf *b, void *state)
{
    (void)state;
    uint32_t cap = trawl_buf_caplen(b);
    if (cap < 12 + 5) return TRAWL_HEUR_NOT_MINE;
    const uint8_t *p = b->data;
    uint16_t fl = (uint16_t)(p[2] << 8 | p[3]);
    uint16_t qd = (uint16_t)(p[4] << 8 | p[5]), an = (uint16_t)(p[6] << 8 | p[7]);
    uint16_t ns = (uint16_t)(p[8] << 8 | p[9]), ar = (uint16_t)(p[10] << 8 | p[11]);
    if (fl & 0x7800) return TRAWL_HEUR_NOT_MINE;                 /* standard queries only */
    if (qd != 1 || ar > 10) return TRAWL_HEUR_NOT_MINE;
    if (!(fl & 0x8000)) {
        if (an || ns || (fl & 0xf)) return TRAWL_HEUR_NOT_MINE;
    } else if (an > 100 || ns > 10) {
        return TRAWL_HEUR_NOT_MINE;
    }
    /* The question: plain labels of letters, digits, '-', '_' (no pointer: nothing precedes it). */
    uint32_t off = 12, total = 0;
    for (;;) {
        if (off >= cap) return TRAWL_HEUR_NOT_MINE;
        uint8_t c = p[off++];
        if (c == 0) break;
        if (c > 63 || off + c > cap) return TRAWL_HEUR_NOT_MINE;
        total += c + 1u;
        if (total > 254) return TRAWL_HEUR_NOT_MINE;
        for (uint32_t i = 0; i < c; i++) {
            uint8_t ch = p[off + i];
            bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                      ch == '-' || ch == '_' || ch == '*';
            if (!ok) return TRAWL_HEUR_NOT_MINE;
        }
        off += c;
    }
    if (off + 4 > cap) return TRAWL_HEUR_NOT_MINE;
    uint16_t type = (uint16_t)(p[off] << 8 | p[off + 1]), cls = (uint16_t)(p[off + 2] << 8 | p[off + 3]);
    if (type == 0 || !(cls == 1 || cls == 3 || cls == 4 || cls == 254 || cls == 255)) return TRAWL_HEUR_NOT_MINE;
    return TRAWL_HEUR_MINE;
}

/* ---- registration ------------------------------------------------------------------------ */

static const struct trawl_proto_def proto_defs[DNS_KIND__COUNT] = {
    [DNS_KIND_DNS]   = { "dns", "Domain Name System", "DNS", dns_fields, F_COUNT, dns_dissect },
    [DNS_KIND_MDNS]  = { "mdns", "Multicast Domain Name System", "MDNS", dns_fields, F_COUNT, dns_dissect },
    [DNS_KIND_LLMNR] = { "llmnr", "Link-local Multicast Name Resolution", "LLMNR", dns_fields, F_COUNT, dns_dissect },
};
static const struct trawl_stream_ops stream_ops = { sizeof stream_ops, NULL, dns_gap, dns_end };
static const struct trawl_heur_def heur = { "dns_udp", 0, dns_probe };

struct dns_plugin {
    struct dns_state st;
    struct dns_proto_state ps[DNS_KIND__COUNT];
};

static int opt_uint(struct trawl_init *ctx, const char *key, unsigned lo, unsigned hi, unsigned dflt, unsigned *out)
{
    const char *v = trawl_init_option(ctx, key);
    *out = dflt;
    if (!v) return 0;
    char *end;
    unsigned long x = strtoul(v, &end, 10);
    if (!*v || *end || x < lo || x > hi) {
        trawl_init_log(ctx, TRAWL_LOG_ERROR, "dns.%s must be a number from %u to %u, not '%s'", key, lo, hi, v);
        return TRAWL_EINVAL;
    }
    *out = (unsigned)x;
    return 0;
}

static int dns_init(struct trawl_init *ctx)
{
    struct dns_plugin *pl = calloc(1, sizeof *pl);
    if (!pl) return TRAWL_ENOMEM;
    trawl_init_set_state(ctx, pl);
    unsigned retrans;
    int rc = opt_uint(ctx, "retransmission_timer", 0, 3600, 5, &retrans);
    if (!rc) rc = opt_uint(ctx, "max_transactions", 1, 1024, 8, &pl->st.max_tx);
    if (!rc) rc = opt_uint(ctx, "max_pending", 1, 256, 4, &pl->st.max_pending);
    if (rc) return rc;
    pl->st.retrans_ns = (int64_t)retrans * 1000000000;
    for (int k = 0; k < DNS_KIND__COUNT; k++) {
        pl->ps[k].st = &pl->st;
        pl->ps[k].kind = (enum dns_kind)k;
        if (!(pl->st.proto[k] = trawl_proto_register(ctx, &proto_defs[k], &pl->ps[k]))) return TRAWL_EINVAL;
    }
    if (!(pl->st.rec = dns_rec_register(ctx))) return TRAWL_EINVAL;
    return 0;
}

static int dns_handoff(struct trawl_init *ctx)
{
    struct dns_plugin *pl = trawl_init_state(ctx);
    const struct trawl_proto *dns = pl->st.proto[DNS_KIND_DNS];
    for (int k = 0; k < DNS_KIND__COUNT; k++) trawl_stream_register(ctx, pl->st.proto[k], &stream_ops);
    trawl_table_add(ctx, "udp.port", 53, dns);
    trawl_table_add(ctx, "udp.port", 5353, pl->st.proto[DNS_KIND_MDNS]);
    trawl_table_add(ctx, "udp.port", 5355, pl->st.proto[DNS_KIND_LLMNR]);
    trawl_table_add(ctx, "tcp.port", 53, dns);
    trawl_table_add(ctx, "tcp.port", 5353, dns);                        /* tshark's choice */
    trawl_table_add(ctx, "tcp.port", 5355, pl->st.proto[DNS_KIND_LLMNR]);  /* RFC 4795 section 2.4 */
    trawl_heur_add(ctx, "udp", &heur, dns);
    return 0;
}

static void dns_fini(void *state) { free(state); }

TRAWL_PLUGIN_DESCRIPTOR(
    .name = "dns", .version = "1.0.0",
    .summary = "Domain Name System over UDP and TCP, mDNS and LLMNR (RFC 1035, 6762, 4795); dns records",
    .init = dns_init, .handoff = dns_handoff, .fini = dns_fini);
