# default — every plugin found, tshark's one-line-per-packet text output.
#
#   trawl --profile default -r capture.pcap
#
# The same as running trawl with no profile; a starting point to copy. A profile is
# "key = value" lines ('#' starts a comment); keys:
#   name, summary      what the profile is (shown nowhere else yet)
#   only = a,b,c       load only these plugins (and what they require)
#   enable / disable   switch one plugin on or off (repeatable)
#   option = plugin.key=value        a plugin option, as -o (repeatable)
#   decode-as = udp.port==5353,dns   as -d, after the plugins start (repeatable)
#   output = text|fields|json|...    the sink, as -T (a -T on the command line wins)
#   field = ip.src                   a column for the fields sink, as -e (repeatable)
#   sink-option = header=y           an option for the sink, as -E / -O (repeatable)
#   filter = tcp port 80             a BPF capture filter, as -f (-f on the command line wins)
# Profiles are found as a path, or NAME.profile in $TRAWL_PROFILE_PATH,
# ~/.config/trawl/profiles, samples/profiles (beside a build tree) or share/trawl/profiles.
name    = default
summary = Every plugin, one summary line per packet (tshark's default output)

output = text
