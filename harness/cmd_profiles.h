/* cmd_profiles.h: `vpnlab profiles [NAME]`: the vendor profiles and their quirks. */
#ifndef VPNLAB_HARNESS_CMD_PROFILES_H
#define VPNLAB_HARNESS_CMD_PROFILES_H

#include <stdio.h>

#include "peers/profile/profile.h"

int cmd_profiles(int argc, char **argv);

/* The list (one line per profile) and one profile in full, as the command prints them. */
void cmd_profiles_list(FILE *f);
void cmd_profiles_show(FILE *f, const struct profile *p);

#endif
