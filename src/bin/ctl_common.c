/* ctl_common.c - helpers shared by the lendgatectl verb groups (ctl_common.h). */
#include "config.h"

#include "ctl_common.h"

#include <lendgate/ids.h>
#include <lendgate/validate.h>

#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int lg_ctl_refuse(const char *group, const char *what, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "lendgatectl: %s%s%s: ", group ? group : "", group ? " " : "", what);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

int lg_ctl_outcome_fail(const char *group, const char *what, lg_err rc, const lg_outcome *o)
{
    return lg_ctl_refuse(group, what, "%s", o->message[0] ? o->message : lg_strerror(rc));
}

void lg_ctl_actor_fill(lg_admin_actor *who)
{
    const struct passwd *pw = getpwuid(geteuid());
    memset(who, 0, sizeof *who);
    if (pw && pw->pw_name)
        snprintf(who->admin, sizeof who->admin, "cli:%s", pw->pw_name);
    else
        snprintf(who->admin, sizeof who->admin, "cli:uid%lu", (unsigned long)geteuid());
    if (lg_uuid_v4(who->request_id, sizeof who->request_id) != LG_OK)
        who->request_id[0] = '\0';
}

int lg_ctl_partner_id(const char *group, const char *what, const char *text, char out[LG_ID_LEN])
{
    char msg[160];
    if (lg_validate_loan_id("partner ID", text, out, msg, sizeof msg) != LG_OK)
        return lg_ctl_refuse(group, what, "%s", msg);
    return 0;
}

void lg_ctl_print_json(json_object *obj)
{
    puts(obj ? json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
                                                       JSON_C_TO_STRING_SPACED |
                                                       JSON_C_TO_STRING_NOSLASHESCAPE)
             : "null");
}

json_object *lg_ctl_pagination(uint64_t total, uint32_t limit, uint64_t offset, size_t n)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "total", json_object_new_int64((int64_t)total));
    json_object_object_add(o, "limit", json_object_new_int64(limit));
    json_object_object_add(o, "offset", json_object_new_int64((int64_t)offset));
    json_object_object_add(o, "hasMore", json_object_new_boolean(offset + n < total));
    return o;
}
