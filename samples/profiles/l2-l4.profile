# l2-l4 — link, network and transport layers only, as tshark-style fields.
#
#   trawl --profile l2-l4 -r capture.pcap
#
# Loads only the dissectors of layers 2-4 (and the output sinks), so nothing above TCP/UDP is
# decoded: the fastest way to get a flow-level table out of a big capture. Command-line flags
# add to a profile (-e adds columns, -T replaces the output). Keys: see default.profile.
name    = l2-l4
summary = Link, network and transport layers only; L2-L4 fields as tab-separated columns

# Link layers (Ethernet + VLAN/LLC, Linux cooked v1/v2, BSD loopback, raw IP, NFLOG, PPP/PPPoE),
# ARP, IPv4, IPv6, GRE, ICMP, ICMPv6, TCP, UDP; then the sinks.
only = eth,sll,null,rawip,nflog,ppp,arp,ipv4,ipv6,gre,icmp,icmpv6,tcp,udp,fields,text,json

output = fields
sink-option = header=y
field = frame.number
field = frame.time_epoch
field = frame.len
field = eth.src
field = eth.dst
field = eth.type
field = ip.src
field = ip.dst
field = ip.proto
field = ip.ttl
field = ip.len
field = ipv6.src
field = ipv6.dst
field = tcp.srcport
field = tcp.dstport
field = tcp.flags
field = tcp.seq_raw
field = tcp.ack_raw
field = tcp.len
field = udp.srcport
field = udp.dstport
field = udp.length
