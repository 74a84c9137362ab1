/*
 * profile_table.c: the vendor profiles, one const table each (profile.h; PROFILES.md).
 *
 * Sources: "seeds/002 l.N" is a line of shared/seeds/002_d4e03d8998f8cc8a.txt (F220 to the
 * Sakura VPC router), "seeds/000 l.N" of 000_505a9dd521c48aa4.txt (K5); "ikev1 §N" a section
 * of research/ikev1-wire-and-vendor-facts.md, "k5-api §N" of research/k5-neutron-vpnaas-api.md,
 * "sakura-api §N" of research/sakura-cloud-vpc-router-api.md. A row vpnlab had to choose
 * without a source says so and is UNCONFIRMED.
 */
#include "peers/profile/profile.h"

#define ROWS(t) t, sizeof t / sizeof t[0]

static const struct profile_quirk sakura_v1[] = {
	{ PK_IKE_PROPOSALS, PROFILE_FORCED, "aes128-sha1-modp1536,aes128-sha1-modp1024", false,
	  "seeds/002 l.132-135 (show crypto sa: AES-CBC/128, HMAC-SHA1, group 5), l.182; "
	  "ikev1 §6.3 (manual 2020: group 2; older manual: 2 or 5)",
	  "the v1 firmware negotiates only this, whatever EncryptionAlgo / HashAlgo say: "
	  "AES-256, SHA-256 and groups 14/15/16 of the newer manual get NO-PROPOSAL-CHOSEN" },
	{ PK_ESP_PROPOSALS, PROFILE_FORCED, "aes128-sha1-modp1536,aes128-sha1-modp1024", false,
	  "seeds/002 l.132-135 (ESP AES-CBC/128, HMAC-SHA1-96, PFS on group 5); ikev1 §6.3",
	  "ESP AES-128-CBC + HMAC-SHA1-96 with PFS in the phase-1 group" },
	{ PK_PHASE1_MODE, PROFILE_INFO, "main", false, "ikev1 §6.3 (manual: main mode only)",
	  "aggressive mode is not answered" },
	{ PK_SELECT, PROFILE_DEFAULT, "own", true, "not documented",
	  "vpnlab's choice: its own order (only the negotiable set above can match anyway)" },
	{ PK_LIFE_RULE, PROFILE_DEFAULT, "accept", true, "not documented",
	  "vpnlab's choice: the initiator's lifetime is accepted" },
	{ PK_RESPONDER_LIFETIME, PROFILE_DEFAULT, "no", true, "not documented (ikev1 §3.2: the "
	  "vendors known to send it pick the shorter lifetime, as Cisco)",
	  "vpnlab's choice: nothing to announce when the offer is accepted" },
	{ PK_IKE_LIFETIME, PROFILE_DEFAULT, "28800", false,
	  "ikev1 §6.3 (manual: ISAKMP SA 28800 s); seeds/002 l.100", "ISAKMP SA lifetime" },
	{ PK_ESP_LIFETIME, PROFILE_DEFAULT, "1800", false,
	  "ikev1 §6.3 (manual: IPsec SA 1800 s); seeds/002 l.134 (568/1800 sec), l.271",
	  "IPsec SA lifetime" },
	{ PK_SEND_DPD_VID, PROFILE_FORCED, "no", false,
	  "ikev1 §6.3 (manual: vendor IDs neither accepted nor sent)", "no vendor IDs sent" },
	{ PK_SEND_NATT_VID, PROFILE_FORCED, "no", false,
	  "ikev1 §6.3 (manual: vendor IDs neither accepted nor sent)",
	  "so no NAT-T either: ESP rides in IP protocol 50" },
	{ PK_DPD, PROFILE_DEFAULT, "idle", true, "ikev1 §6.3 (manual: DPD enabled)",
	  "R-U-THERE after an idle interval (the manual does not say idle or always)" },
	{ PK_DPD_NEEDS_VID, PROFILE_FORCED, "no", false,
	  "ikev1 §6.3 (manual: DPD enabled, received vendor IDs ignored)",
	  "DPD without the peer's DPD vendor ID" },
	{ PK_DPD_DELAY, PROFILE_DEFAULT, "15", false, "ikev1 §6.3 (manual: interval 15 s)",
	  "DPD interval" },
	{ PK_DPD_TIMEOUT, PROFILE_DEFAULT, "30", false, "ikev1 §6.3 (manual: timeout 30 s)",
	  "DPD timeout" },
	{ PK_DPD_ACTION, PROFILE_DEFAULT, "restart", true, "not documented",
	  "vpnlab's choice: a VPC router keeps its site-to-site VPN up" },
	{ PK_NOTE, PROFILE_INFO, "phase-1 ID: the router's global address", false,
	  "ikev1 §6.3 (manual: Phase-1 ID = VPC router global IP)",
	  "the Sakura mapping sets the local address from Interfaces[0].IPAddress" },
	{ PK_NOTE, PROFILE_INFO, "API: no DHGroup on version 1", false,
	  "seeds/002 l.182; sakura-api §3.5",
	  "the DH group can only be set after migrating to version 2 (the mock refuses it)" },
};

static const struct profile_quirk sakura_v2[] = {
	{ PK_IKE_PROPOSALS, PROFILE_DEFAULT, "aes128-sha1-modp1024", true,
	  "PROFILES.md sakura-vpc-v2", "built from EncryptionAlgo / HashAlgo / DHGroup; the "
	  "defaults when omitted are vpnlab's choice" },
	{ PK_ESP_PROPOSALS, PROFILE_DEFAULT, "aes128-sha1-modp1024", true,
	  "PROFILES.md sakura-vpc-v2", "the same algorithms, PFS with the DH group" },
	{ PK_PHASE1_MODE, PROFILE_INFO, "main", true, "ikev1 §6.3 (the v1 manual: main mode only)",
	  "assumed unchanged in version 2" },
	{ PK_SELECT, PROFILE_FORCED, "own", false,
	  "ikev1 §3.1 (charon prefer_configured_proposals = yes); seeds/002 l.214",
	  "strongSwan picks by its own proposal order" },
	{ PK_LIFE_RULE, PROFILE_FORCED, "accept", false, "ikev1 §3.2",
	  "charon accepts and echoes any lifetime, never sends RESPONDER-LIFETIME, and rekeys on "
	  "its own timers" },
	{ PK_RESPONDER_LIFETIME, PROFILE_FORCED, "no", false,
	  "ikev1 §3.2, §1.8 (no sender and no handler in charon's source)",
	  "charon never sends RESPONDER-LIFETIME" },
	{ PK_IKE_LIFETIME, PROFILE_DEFAULT, "28800", false,
	  "PROFILES.md (IKE.Lifetime default); seeds/002 l.227-228 (reauth in 28632s, max 28721s)",
	  "IKE.Lifetime" },
	{ PK_ESP_LIFETIME, PROFILE_DEFAULT, "1800", false,
	  "PROFILES.md (ESP.Lifetime default); seeds/002 l.271 (default 1800, cut to 180)",
	  "ESP.Lifetime" },
	{ PK_REAUTH_MARGIN, PROFILE_FORCED, "89", false,
	  "seeds/002 l.227-228 (scheduling reauthentication in 28632s, maximum IKE_SA lifetime "
	  "28721s: 28721 - 28632 = 89); PROFILES.md sakura-vpc-v2",
	  "charon's schedule, either role: reauth at IKE.Lifetime - 89 - U[0, 89] s (rekeyfuzz "
	  "100%), hard expiry 89 s (over_time) after it" },
	{ PK_SEND_DPD_VID, PROFILE_FORCED, "yes", false, "ikev1 §1.9; seeds/002 l.215 ([ SA V V ])",
	  "charon sends the DPD vendor ID" },
	{ PK_SEND_NATT_VID, PROFILE_FORCED, "yes", false, "ikev1 §1.9, §4; seeds/002 l.215",
	  "charon sends the RFC 3947 NAT-T vendor ID" },
	{ PK_INITIAL_CONTACT, PROFILE_FORCED, "yes", false, "ikev1 §3.4", "as initiator" },
	{ PK_UNIQUE_IC, PROFILE_FORCED, "yes", false,
	  "seeds/002 l.231 (destroying duplicate IKE_SA ..., received INITIAL_CONTACT); ikev1 §3.4",
	  "INITIAL-CONTACT from a peer destroys its older IKE_SA" },
	{ PK_FORCE_ENCAP, PROFILE_FORCED, "yes", false, "ikev1 §0 item 8, §4 (kernel-libipsec)",
	  "NAT-D faked: once NAT-T is negotiated ESP always rides in UDP 4500" },
	{ PK_DPD, PROFILE_FORCED, "idle", false, "ikev1 §3.5",
	  "R-U-THERE only after dpd_delay without inbound traffic; always answered" },
	{ PK_DPD_NEEDS_VID, PROFILE_FORCED, "yes", false, "ikev1 §0 item 7, §3.5",
	  "sends DPD only when the peer sent the DPD vendor ID" },
	{ PK_DPD_DELAY, PROFILE_DEFAULT, "15", false, "PROFILES.md (IKE.DPD.Interval default)",
	  "IKE.DPD.Interval" },
	{ PK_DPD_TIMEOUT, PROFILE_DEFAULT, "30", false, "PROFILES.md (IKE.DPD.Timeout default)",
	  "IKE.DPD.Timeout" },
	{ PK_DPD_ACTION, PROFILE_DEFAULT, "restart", true, "not documented",
	  "vpnlab's choice: a VPC router keeps its site-to-site VPN up" },
	{ PK_TUNNEL_MTU, PROFILE_FORCED, "1400", false, "ikev1 §0 item 8 (libipsec TUN MTU 1400)",
	  "the tunnel interface's MTU" },
	{ PK_REPLAY_WINDOW, PROFILE_FORCED, "128", false, "ikev1 §0 item 8",
	  "libipsec's anti-replay window" },
	{ PK_LENIENT_PADDING, PROFILE_FORCED, "no", false, "ikev1 §0 item 8, §5",
	  "ESP whose padding is not 1,2,3,... is dropped" },
	{ PK_NOTE, PROFILE_INFO, "peers matched by RemoteID", false,
	  "seeds/002 l.223 (matching ...[172.30.128.254]); PROFILES.md",
	  "the F220 behind NAT identifies as its private 172.30.128.254" },
};

static const struct profile_quirk fitelnet_f220[] = {
	{ PK_NOTE, PROFILE_INFO, "`encryption aes` / `esp-aes` offer AES-256 then AES-128", true,
	  "seeds/002 l.132 (v1: AES-CBC/128), l.214 (v2: AES_CBC_256) with the same keyword",
	  "an option of the importer (fitelnet_resolve_opts.aes_offers_256_and_128)" },
	{ PK_PHASE1_MODE, PROFILE_INFO, "main,aggressive", false,
	  "ikev1 §6.1 (F-series: main and aggressive mode)", "the imported configs use main mode" },
	{ PK_SELECT, PROFILE_DEFAULT, "own", true, "not documented",
	  "vpnlab's choice as responder" },
	{ PK_LIFE_RULE, PROFILE_DEFAULT, "accept", true, "not documented",
	  "vpnlab's choice as responder" },
	{ PK_RESPONDER_LIFETIME, PROFILE_DEFAULT, "no", true, "not documented",
	  "vpnlab's choice as responder; no imported command sets it" },
	{ PK_IKE_LIFETIME, PROFILE_DEFAULT, "28800", true, "ikev1 §6.1 (ISAKMP default not found)",
	  "vpnlab's choice when the isakmp policy has no lifetime" },
	{ PK_ESP_LIFETIME, PROFILE_DEFAULT, "600", true,
	  "ikev1 §6.1 (F60 manual: 600 s); seeds/002 l.273",
	  "when neither the policy nor the global lifetime command sets one" },
	{ PK_SEND_DPD_VID, PROFILE_FORCED, "yes", false,
	  "seeds/002 l.211-212 (MM1 [ SA V ]: received DPD vendor ID)", "the one VID it sends" },
	{ PK_SEND_NATT_VID, PROFILE_FORCED, "no", false,
	  "seeds/002 l.211-212 (MM1 carries one VID, the DPD one)",
	  "no RFC 3947 VID in main mode 1, so no NAT-T: it relied on a 1:1 NAT of ports 500" },
	{ PK_INITIAL_CONTACT, PROFILE_FORCED, "yes", false,
	  "seeds/002 l.222 (MM5 [ ID HASH N(INITIAL_CONTACT) ])", "in main mode 5" },
	{ PK_DPD, PROFILE_DEFAULT, "idle", false,
	  "ikev1 §6.1 (F2000 manual: DPD when there was no traffic for a while)",
	  "`keepalive interval N always-send` makes it `always`" },
	{ PK_DPD_NEEDS_VID, PROFILE_DEFAULT, "yes", false,
	  "ikev1 §6.1 (DPD is used if both peers support it)", "" },
	{ PK_DPD_ACTION, PROFILE_DEFAULT, "restart", true, "ikev1 §6.1 (keepalive failure releases "
	  "the SA)", "released; with always-up it is negotiated again" },
	{ PK_NOTE, PROFILE_INFO, "DPD timeout: none of the imported commands sets it", true,
	  "ikev1 §6.1 (the keepalive command has no timeout)",
	  "the IKE engine's default applies (120 s)" },
	{ PK_DF, PROFILE_DEFAULT, "copy", true, "ikev1 §6.1",
	  "`set ip df-bit 0` makes it `clear`" },
	{ PK_FRAG, PROFILE_DEFAULT, "pre", true, "ikev1 §6.1 (training doc: both commands needed "
	  "for post-fragment)", "`set ip fragment post` makes it `post`" },
	{ PK_NOTE, PROFILE_INFO, "configured by its own CLI text", false,
	  "seeds/002 l.80-118, l.189-201 (the two configs)",
	  "vpnlab explain --config FILE / the scenario's config text; errors as NAME:LINE:COL" },
};

static const struct profile_quirk k5_vpnaas[] = {
	{ PK_IKE_PROPOSALS, PROFILE_DEFAULT, "aes128-sha1-modp1536", false,
	  "ikev1 §6.4 (neutron defaults aes-128, sha1, group5)", "the ikepolicy's values replace it" },
	{ PK_ESP_PROPOSALS, PROFILE_DEFAULT, "aes128-sha1-modp1536", false,
	  "ikev1 §6.4 (neutron defaults)", "the ipsecpolicy's values replace it" },
	{ PK_PHASE1_MODE, PROFILE_INFO, "main", false, "seeds/000 l.51 (main mode only); k5-api §5.1",
	  "aggressive mode is refused" },
	{ PK_NOTE, PROFILE_INFO, "auth sha1 only; aes-128/192/256; pfs group2/5/14; lifetimes "
	  "60..86400 s", false, "PROFILES.md k5-vpnaas; k5-api §5.1",
	  "enforced by the mock API (400 otherwise)" },
	{ PK_NOTE, PROFILE_INFO, "router : VPN service : site connection = 1 : 1 : N, N <= 20", true,
	  "seeds/000 l.74; PROFILES.md (the error is UNCONFIRMED)",
	  "enforced by the mock API (409 in NeutronError form)" },
	{ PK_SELECT, PROFILE_DEFAULT, "own", true, "ikev1 §6.4 (rendered like neutron's strongSwan "
	  "driver; which daemon K5 runs is UNCONFIRMED)", "" },
	{ PK_LIFE_RULE, PROFILE_DEFAULT, "accept", true, "ikev1 §6.4 (as strongSwan)", "" },
	{ PK_RESPONDER_LIFETIME, PROFILE_DEFAULT, "no", true, "ikev1 §6.4, §3.2 (as strongSwan)",
	  "" },
	{ PK_IKE_LIFETIME, PROFILE_DEFAULT, "3600", false, "ikev1 §6.4 (neutron default)",
	  "the ikepolicy's lifetime replaces it (the field note: 86400)" },
	{ PK_ESP_LIFETIME, PROFILE_DEFAULT, "3600", false, "ikev1 §6.4 (neutron default)",
	  "the ipsecpolicy's lifetime replaces it (the field note: 28800)" },
	{ PK_SEND_DPD_VID, PROFILE_DEFAULT, "yes", true, "ikev1 §6.4 (as strongSwan)", "" },
	{ PK_SEND_NATT_VID, PROFILE_DEFAULT, "yes", true, "ikev1 §6.4 (as strongSwan)", "" },
	{ PK_INITIAL_CONTACT, PROFILE_DEFAULT, "yes", true, "ikev1 §6.4 (as strongSwan)", "" },
	{ PK_DPD, PROFILE_DEFAULT, "idle", true, "ikev1 §6.4 (dpddelay in the strongSwan template)",
	  "" },
	{ PK_DPD_DELAY, PROFILE_DEFAULT, "30", false, "ikev1 §6.4 (neutron default)",
	  "the site connection's dpd interval replaces it (the field note: 10, seeds/000 l.592)" },
	{ PK_DPD_TIMEOUT, PROFILE_DEFAULT, "120", false, "ikev1 §6.4 (neutron default)",
	  "the site connection's dpd timeout replaces it (the field note: 30, seeds/000 l.591)" },
	{ PK_DPD_ACTION, PROFILE_DEFAULT, "hold", false, "ikev1 §6.4 (neutron default)",
	  "hold | restart from the site connection" },
	{ PK_HAIRPIN, PROFILE_FORCED, "no", false, "seeds/000 l.11 (no IPsec-to-IPsec traffic)",
	  "traffic arriving through one tunnel is never sent into another" },
	{ PK_SNAT_SPLIT, PROFILE_FORCED, "yes", false, "seeds/000 l.13 (split tunnel by default); "
	  "PROFILES.md", "traffic outside the selectors leaves unencrypted with source NAT" },
	{ PK_NOTE, PROFILE_INFO, "peers must disable anti-replay", false,
	  "ikev1 §6.4 (K5 concept page); PROFILES.md",
	  "a fail-over restarts ESP sequence numbers" },
	{ PK_NOTE, PROFILE_INFO, "clamp TCP MSS on the far side", false, "seeds/000 l.15",
	  "K5 itself does not clamp: the peer should" },
};

static const struct profile_quirk strongswan[] = {
	{ PK_NOTE, PROFILE_INFO, "a real Debian charon (kernel-libipsec) run by vpnlab", false,
	  "PROFILES.md strongswan", "its own swanctl config decides proposals and lifetimes; the "
	  "rows below are what a simulated peer with this profile copies" },
	{ PK_PHASE1_MODE, PROFILE_INFO, "main,aggressive", false, "ikev1 §3.1 (main_mode.c, "
	  "aggressive_mode.c)", "aggressive only when the connection allows it" },
	{ PK_SELECT, PROFILE_FORCED, "own", false,
	  "ikev1 §3.1 (prefer_configured_proposals = yes)", "" },
	{ PK_LIFE_RULE, PROFILE_FORCED, "accept", false, "ikev1 §3.2", "" },
	{ PK_RESPONDER_LIFETIME, PROFILE_FORCED, "no", false, "ikev1 §3.2, §1.8", "" },
	{ PK_IKE_LIFETIME, PROFILE_DEFAULT, "14400", false, "swanctl.conf(5): rekey_time 4h",
	  "" },
	{ PK_ESP_LIFETIME, PROFILE_DEFAULT, "3600", false, "swanctl.conf(5): children rekey_time 1h",
	  "" },
	{ PK_SEND_DPD_VID, PROFILE_FORCED, "yes", false, "ikev1 §1.9", "" },
	{ PK_SEND_NATT_VID, PROFILE_FORCED, "yes", false, "ikev1 §1.9", "" },
	{ PK_INITIAL_CONTACT, PROFILE_DEFAULT, "yes", false, "ikev1 §3.4", "" },
	{ PK_UNIQUE_IC, PROFILE_DEFAULT, "yes", false, "ikev1 §3.4 (unique = no: replace on "
	  "INITIAL-CONTACT)", "" },
	{ PK_FORCE_ENCAP, PROFILE_FORCED, "yes", false, "ikev1 §0 item 8 (kernel-libipsec)", "" },
	{ PK_DPD, PROFILE_FORCED, "idle", false, "ikev1 §3.5", "" },
	{ PK_DPD_NEEDS_VID, PROFILE_FORCED, "yes", false, "ikev1 §3.5", "" },
	{ PK_DPD_ACTION, PROFILE_DEFAULT, "clear", false, "ikev1 §3.5 (dpd_action default)", "" },
	{ PK_TUNNEL_MTU, PROFILE_FORCED, "1400", false, "ikev1 §0 item 8", "" },
	{ PK_REPLAY_WINDOW, PROFILE_FORCED, "128", false, "ikev1 §0 item 8", "" },
	{ PK_LENIENT_PADDING, PROFILE_FORCED, "no", false, "ikev1 §0 item 8", "" },
};

static const struct profile profiles[] = {
	{ "sakura-vpc-v1", "Sakura Cloud VPC router version 1: negotiates only aes128-sha1 with "
	  "MODP1536/1024, whatever its settings say", "JSON of Sakura settings (Settings.Router or "
	  "SiteToSiteIPsecVPN)", ROWS(sakura_v1) },
	{ "sakura-vpc-v2", "Sakura Cloud VPC router version 2: strongSwan charon with "
	  "kernel-libipsec, proposal from EncryptionAlgo/HashAlgo/DHGroup",
	  "JSON of Sakura settings (Settings.Router or SiteToSiteIPsecVPN)", ROWS(sakura_v2) },
	{ "fitelnet-f220", "Furukawa FITELnet F220 configured by its own CLI text",
	  "the router's CLI config text", ROWS(fitelnet_f220) },
	{ "k5-vpnaas", "Fujitsu K5 virtual router VPN service (neutron-vpnaas), configured through "
	  "the K5 API", "JSON of its ikepolicy / ipsecpolicy, as the API returns them",
	  ROWS(k5_vpnaas) },
	{ "strongswan", "a real strongSwan charon (kernel-libipsec) run by vpnlab, the reference",
	  NULL, ROWS(strongswan) },
};

size_t profile_count(void)
{
	return sizeof profiles / sizeof profiles[0];
}

const struct profile *profile_at(size_t i)
{
	return i < profile_count() ? &profiles[i] : NULL;
}
