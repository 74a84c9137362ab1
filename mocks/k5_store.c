/*
 * k5_store.c: generic create / show / list / update / delete over the attribute tables, as
 * neutron's api/v2/base.py does them: the request-body checks and their messages
 * (prepare_request_body, verify_attributes), attribute conversion (convert_to_boolean,
 * convert_to_int, convert_to_list) and validation, list filters (api_common.py
 * get_filters_from_dict: any attribute, repeated keys ORed, fields= selection).
 */
#include "mocks/k5_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Attributes every K5 resource has. */
static const struct k5_attr common_attrs[] = {
	{ "id", K5_T_STR, 0, NULL, NULL },
	{ "tenant_id", K5_T_STR, K5_A_POST, NULL, NULL },
	{ "project_id", K5_T_STR, K5_A_POST, NULL, NULL },
	{ "availability_zone", K5_T_STR, K5_A_POST, NULL, NULL },
	{ "name", K5_T_STR, K5_A_POST | K5_A_PUT, "\"\"", NULL },
	{ "created_at", K5_T_STR, 0, NULL, NULL },
	{ "updated_at", K5_T_STR, 0, NULL, NULL },
	{ "revision_number", K5_T_INT, 0, NULL, NULL },
	{ "tags", K5_T_LIST, 0, "[]", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

static const struct k5_attr description_attr =
	{ "description", K5_T_STR, K5_A_POST | K5_A_PUT, "\"\"", NULL };

int k5_fail(struct k5_err *e, int status, const char *type, const char *fmt, ...)
{
	va_list ap;

	e->status = status;
	snprintf(e->type, sizeof e->type, "%s", type);
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return -1;
}

int k5_fail_input(struct k5_err *e, const char *attr, const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	return k5_fail(e, 400, "HTTPBadRequest", "Invalid input for %s. Reason: %s.", attr, reason);
}

/* ---- small helpers ---- */

json_t *k5_coll(struct k5_mock *k, const struct k5_kind *kind)
{
	json_t *a = json_object_get(k->state, kind->plural);

	if (!json_is_array(a)) {
		a = json_array();
		json_object_set_new(k->state, kind->plural, a);
	}
	return a;
}

json_t *k5_find(struct k5_mock *k, const struct k5_kind *kind, const char *id)
{
	json_t *a = k5_coll(k, kind), *o;
	size_t i;

	if (!id)
		return NULL;
	json_array_foreach(a, i, o)
		if (!strcmp(k5_str(o, "id"), id))
			return o;
	return NULL;
}

json_t *k5_get(struct k5_mock *k, const struct k5_kind *kind, const char *id, struct k5_err *e)
{
	json_t *o = k5_find(k, kind, id);

	if (!o)
		k5_fail(e, 404, kind->nf_type, kind->nf_fmt, id ? id : "");
	return o;
}

const char *k5_str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

lab_ns k5_now(struct k5_mock *k)
{
	return k->cfg.now ? k->cfg.now(k->cfg.now_ctx) : 0;
}

void k5_uuid(struct k5_mock *k, char out[37])
{
	uint8_t b[16];

	drbg_bytes(k->drbg, b, sizeof b);
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);         /* RFC 4122 4.4: version 4 */
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);         /* variant 10 */
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	         b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
	         b[13], b[14], b[15]);
}

bool k5_is_uuid(const char *s)
{
	static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

	if (!s || strlen(s) != sizeof shape - 1)
		return false;
	for (size_t i = 0; shape[i]; i++)
		if (shape[i] == '-' ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* Wall time of lab time now + offset, e.g. 2017-05-02T09:11:58.198526Z (micro) or ...58Z. */
void k5_time(struct k5_mock *k, char *out, size_t len, bool micro, lab_ns offset)
{
	lab_ns t = k5_now(k) + offset;
	time_t secs = (time_t)(k->cfg.epoch_unix + t / LAB_NS_PER_SEC);
	long usec = (long)((t % LAB_NS_PER_SEC) / LAB_NS_PER_US);
	struct tm tm;
	char base[32];

	if (usec < 0) {
		usec += 1000000;
		secs--;
	}
	gmtime_r(&secs, &tm);
	strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
	if (micro)
		snprintf(out, len, "%s.%06ldZ", base, usec);
	else
		snprintf(out, len, "%sZ", base);
}

void k5_touch(struct k5_mock *k, json_t *obj)
{
	char ts[40];

	k5_time(k, ts, sizeof ts, false, 0);
	json_object_set_new(obj, "updated_at", json_string(ts));
	json_object_set_new(obj, "revision_number",
	                    json_integer(json_integer_value(json_object_get(obj,
	                                                                   "revision_number")) + 1));
}

void k5_status_set(struct k5_mock *k, const char *what, json_t *obj, const char *status)
{
	const char *old = json_string_value(json_object_get(obj, "status"));
	char line[256];

	if (old && !strcmp(old, status))
		return;
	if (k->cfg.log) {
		snprintf(line, sizeof line, "k5: %s %s: %s -> %s", what, k5_str(obj, "id"),
		         old ? old : "(new)", status);
		k->cfg.log(k->cfg.log_ctx, line);
	}
	json_object_set_new(obj, "status", json_string(status));
}

void k5_due_set(struct k5_mock *k, const char *id, lab_ns delay)
{
	json_t *due = json_object_get(k->state, "vpnlab_due");

	if (!json_is_object(due)) {
		due = json_object();
		json_object_set_new(k->state, "vpnlab_due", due);
	}
	json_object_set_new(due, id, json_integer(k5_now(k) + delay));
}

void k5_due_clear(struct k5_mock *k, const char *id)
{
	json_object_del(json_object_get(k->state, "vpnlab_due"), id);
}

static const struct k5_attr *attr_find(const struct k5_kind *kind, const char *name)
{
	for (const struct k5_attr *a = kind->attrs; a && a->name; a++)
		if (!strcmp(a->name, name))
			return a;
	if (!kind->no_description && !strcmp(name, "description"))
		return &description_attr;
	for (const struct k5_attr *a = common_attrs; a->name; a++)
		if (!strcmp(a->name, name))
			return a;
	return NULL;
}

/* ---- attribute conversion and validation ---- */

static void values_text(const char *const *v, char *out, size_t len)
{
	size_t o = 0;

	o += (size_t)snprintf(out + o, len - o, "[");
	for (; *v && o < len; v++)
		o += (size_t)snprintf(out + o, len - o, "%s'%s'", o > 1 ? ", " : "", *v);
	if (o < len)
		snprintf(out + o, len - o, "]");
}

/* Convert *val in place to the attribute's type (new reference in *val) or fail. */
static int attr_convert(const struct k5_attr *a, json_t **val, struct k5_err *e)
{
	json_t *v = *val;

	switch (a->type) {
	case K5_T_STR:
	case K5_T_STR_NULL:
		if (json_is_null(v) && a->type == K5_T_STR_NULL)
			return 0;
		if (!json_is_string(v))
			return k5_fail_input(e, a->name, "'%s' is not a valid string",
			                     json_is_null(v) ? "None" : "non-string value");
		if (json_string_length(v) > 255)
			return k5_fail_input(e, a->name, "'%.40s...' exceeds maximum length of 255",
			                     json_string_value(v));
		if (a->values) {
			const char *const *p;
			char list[256];

			for (p = a->values; *p; p++)
				if (!strcmp(*p, json_string_value(v)))
					break;
			if (!*p) {
				values_text(a->values, list, sizeof list);
				return k5_fail_input(e, a->name, "'%.64s' is not in %s",
				                     json_string_value(v), list);
			}
		}
		return 0;
	case K5_T_BOOL:
		if (json_is_boolean(v))
			return 0;
		if (json_is_string(v) && (!strcasecmp(json_string_value(v), "true") ||
		                          !strcasecmp(json_string_value(v), "false"))) {
			*val = json_boolean(!strcasecmp(json_string_value(v), "true"));
			json_decref(v);
			return 0;
		}
		return k5_fail_input(e, a->name, "'%s' cannot be converted to boolean",
		                     json_is_string(v) ? json_string_value(v) : "non-string value");
	case K5_T_INT:
		if (json_is_integer(v))
			return 0;
		if (json_is_string(v)) {
			const char *s = json_string_value(v);
			char *end;
			long long n;

			errno = 0;
			n = strtoll(s, &end, 10);
			if (*s && !*end && !errno && !isspace((unsigned char)*s)) {
				*val = json_integer(n);
				json_decref(v);
				return 0;
			}
			return k5_fail_input(e, a->name, "'%.64s' is not an integer", s);
		}
		return k5_fail_input(e, a->name, "the value is not an integer");
	case K5_T_LIST:
		if (json_is_array(v))
			return 0;
		if (json_is_null(v)) {
			*val = json_array();
			json_decref(v);
			return 0;
		}
		if (json_is_string(v)) {
			*val = json_array();
			json_array_append_new(*val, v);
			return 0;
		}
		return k5_fail_input(e, a->name, "the value is not a list");
	case K5_T_OBJ:
		if (json_is_object(v))
			return 0;
		return k5_fail_input(e, a->name, "the value is not a dictionary");
	case K5_T_OBJ_NULL:
		if (json_is_object(v) || json_is_null(v))
			return 0;
		return k5_fail_input(e, a->name, "the value is not a dictionary or null");
	case K5_T_ANY:
		return 0;
	}
	return 0;
}

static json_t *attr_default(const struct k5_attr *a)
{
	if (a->def)
		return json_loads(a->def, JSON_DECODE_ANY, NULL);
	if (a->type == K5_T_LIST)
		return json_array();
	return json_null();
}

/* The resource's body: {"<single>": {...}}; unknown keys beside it are ignored (k5c sends
 * dns_nameservers at the top level). */
static json_t *body_inner(const struct k5_kind *kind, json_t *body, struct k5_err *e)
{
	json_t *inner;

	if (!json_is_object(body)) {
		k5_fail(e, 400, "HTTPBadRequest", "Resource body required");
		return NULL;
	}
	inner = json_object_get(body, kind->single);
	if (!inner) {
		k5_fail(e, 400, "HTTPBadRequest", "Unable to find '%s' in request body", kind->single);
		return NULL;
	}
	if (!json_is_object(inner)) {
		k5_fail(e, 400, "HTTPBadRequest", "Invalid format: '%s' must be a dictionary",
		        kind->single);
		return NULL;
	}
	return inner;
}

/* Every key known and allowed for the operation; names the unknown ones as neutron does. */
static int check_keys(const struct k5_kind *kind, json_t *inner, bool post, struct k5_err *e)
{
	char unknown[512] = "";
	size_t ul = 0;
	const char *key;
	json_t *v;

	json_object_foreach(inner, key, v) {
		const struct k5_attr *a = attr_find(kind, key);

		if (!a) {
			ul += (size_t)snprintf(unknown + ul, sizeof unknown - ul, "%s%s",
			                       ul ? ", " : "", key);
			if (ul >= sizeof unknown)
				ul = sizeof unknown - 1;
			continue;
		}
		if (post && !(a->flags & K5_A_POST))
			return k5_fail(e, 400, "HTTPBadRequest", "Attribute '%s' not allowed in POST",
			               key);
		if (!post && !(a->flags & K5_A_PUT))
			return k5_fail(e, 400, "HTTPBadRequest", "Cannot update read-only attribute %s",
			               key);
	}
	if (ul)
		return k5_fail(e, 400, "HTTPBadRequest", "Unrecognized attribute(s) '%s'", unknown);
	return 0;
}

/* ---- the generic operations ---- */

int k5_store_create(struct k5_mock *k, const struct k5_kind *kind, json_t *body, json_t **out,
                    struct k5_err *e)
{
	json_t *inner, *obj = NULL, *v;
	const char *key;
	char id[37], ts[40];
	int rc = -1;

	*out = NULL;
	inner = body_inner(kind, body, e);
	if (!inner || check_keys(kind, inner, true, e))
		return e->status;
	obj = json_object();
	/* tenant_id / project_id other than the token's project need admin (base.py) */
	json_object_foreach(inner, key, v) {
		if ((!strcmp(key, "tenant_id") || !strcmp(key, "project_id")) &&
		    (!json_is_string(v) || strcmp(json_string_value(v), k->project_id))) {
			k5_fail(e, 400, "HTTPBadRequest", "Specifying 'project_id' or 'tenant_id' other "
			        "than the authenticated project in request requires admin privileges");
			goto out;
		}
	}
	for (int pass = 0; pass < 3; pass++) {
		const struct k5_attr *tab = pass == 0 ? common_attrs :
		                            pass == 1 ? &description_attr : kind->attrs;

		if (pass == 1 && kind->no_description)
			continue;
		for (const struct k5_attr *a = tab; a && a->name; a++) {
			json_t *given = json_object_get(inner, a->name);

			if (given && (a->flags & K5_A_POST)) {
				json_t *c = json_incref(given);

				if (attr_convert(a, &c, e)) {
					json_decref(c);
					goto out;
				}
				json_object_set_new(obj, a->name, c);
			} else if (a->flags & K5_A_REQ) {
				k5_fail(e, 400, "HTTPBadRequest", "Failed to parse request. Required "
				        "attribute '%s' not specified", a->name);
				goto out;
			} else {
				json_object_set_new(obj, a->name, attr_default(a));
			}
			if (pass == 1)
				break;
		}
	}
	k5_uuid(k, id);
	k5_time(k, ts, sizeof ts, false, 0);
	json_object_set_new(obj, "id", json_string(id));
	json_object_set_new(obj, "tenant_id", json_string(k->project_id));
	json_object_set_new(obj, "project_id", json_string(k->project_id));
	if (!json_is_string(json_object_get(obj, "availability_zone")))
		json_object_set_new(obj, "availability_zone", json_string(k->az[0]));
	json_object_set_new(obj, "created_at", json_string(ts));
	json_object_set_new(obj, "updated_at", json_string(ts));
	json_object_set_new(obj, "revision_number", json_integer(0));
	if (kind->on_create && kind->on_create(k, obj, e))
		goto out;
	json_array_append(k5_coll(k, kind), obj);
	if (kind->after_write)
		kind->after_write(k, obj, true);
	*out = json_pack("{sO}", kind->single, obj);
	rc = 201;
out:
	json_decref(obj);
	return rc < 0 ? e->status : rc;
}

int k5_store_update(struct k5_mock *k, const struct k5_kind *kind, const char *id, json_t *body,
                    json_t **out, struct k5_err *e)
{
	json_t *old, *inner, *obj = NULL, *v, *arr;
	const char *key;
	size_t i;
	int rc = -1;

	*out = NULL;
	old = k5_get(k, kind, id, e);
	if (!old)
		return e->status;
	inner = body_inner(kind, body, e);
	if (!inner || check_keys(kind, inner, false, e))
		return e->status;
	obj = json_deep_copy(old);
	json_object_foreach(inner, key, v) {
		const struct k5_attr *a = attr_find(kind, key);
		json_t *c = json_incref(v);

		if (attr_convert(a, &c, e)) {
			json_decref(c);
			goto out;
		}
		if (a->type == K5_T_OBJ && json_is_object(json_object_get(old, key))) {
			/* missing sub-keys keep their previous values (dpd, lifetime) */
			json_t *m = json_deep_copy(json_object_get(old, key));

			json_object_update(m, c);
			json_decref(c);
			c = m;
		}
		json_object_set_new(obj, key, c);
	}
	if (kind->on_update && kind->on_update(k, old, obj, inner, e))
		goto out;
	k5_touch(k, obj);
	arr = k5_coll(k, kind);
	for (i = 0; i < json_array_size(arr); i++)
		if (json_array_get(arr, i) == old) {
			json_array_set(arr, i, obj);
			break;
		}
	if (kind->after_write)
		kind->after_write(k, obj, false);
	*out = json_pack("{sO}", kind->single, obj);
	rc = 200;
out:
	json_decref(obj);
	return rc < 0 ? e->status : rc;
}

void k5_store_remove(struct k5_mock *k, const struct k5_kind *kind, json_t *obj)
{
	json_t *arr = k5_coll(k, kind);

	for (size_t i = 0; i < json_array_size(arr); i++)
		if (json_array_get(arr, i) == obj) {
			json_array_remove(arr, i);
			return;
		}
}

int k5_store_delete(struct k5_mock *k, const struct k5_kind *kind, const char *id,
                    struct k5_err *e)
{
	json_t *obj = k5_get(k, kind, id, e);

	if (!obj)
		return e->status;
	if (kind->on_delete && kind->on_delete(k, obj, e))
		return e->status;
	json_incref(obj);
	k5_store_remove(k, kind, obj);
	k5_due_clear(k, id);
	if (kind->after_delete)
		kind->after_delete(k, obj);
	json_decref(obj);
	return 204;
}

/* ---- list filters ---- */

/* Decode one form-encoded query component ('+' is a space). Invalid escapes stay literal. */
static char *query_decode(const char *s, size_t len)
{
	char *out = malloc(len + 1);
	size_t o = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '+') {
			out[o++] = ' ';
		} else if (s[i] == '%' && len - i >= 3 && isxdigit((unsigned char)s[i + 1]) &&
		           isxdigit((unsigned char)s[i + 2])) {
			char hex[3] = { s[i + 1], s[i + 2], 0 };

			out[o++] = (char)strtol(hex, NULL, 16);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return out;
}

/* {"key": ["v1", "v2"], ...} from "key=v1&key=v2". */
static json_t *query_parse(const char *q)
{
	json_t *f = json_object();

	while (q && *q) {
		const char *amp = strchr(q, '&'), *eq;
		size_t len = amp ? (size_t)(amp - q) : strlen(q);
		char *key, *val;

		eq = memchr(q, '=', len);
		key = query_decode(q, eq ? (size_t)(eq - q) : len);
		val = eq ? query_decode(eq + 1, len - (size_t)(eq - q) - 1) : strdup("");
		if (key && val && *key) {
			json_t *a = json_object_get(f, key);

			if (!a) {
				a = json_array();
				json_object_set_new(f, key, a);
			}
			json_array_append_new(a, json_string(val));
		}
		free(key);
		free(val);
		q = amp ? amp + 1 : NULL;
	}
	return f;
}

static bool value_matches(json_t *v, const char *want)
{
	char num[32];

	switch (json_typeof(v)) {
	case JSON_STRING:
		return !strcmp(json_string_value(v), want);
	case JSON_TRUE:
		return !strcasecmp(want, "true");
	case JSON_FALSE:
		return !strcasecmp(want, "false");
	case JSON_INTEGER:
		snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return !strcmp(num, want);
	case JSON_NULL:
		return !strcmp(want, "") || !strcmp(want, "None");
	case JSON_ARRAY: {
		/* a list matches if one element does; "k=v" matches an element's field
		 * (?fixed_ips=subnet_id=X) */
		const char *eq = strchr(want, '=');
		json_t *el;
		size_t i;

		json_array_foreach(v, i, el) {
			if (json_is_object(el) && eq) {
				char key[64];
				size_t kl = (size_t)(eq - want);

				if (kl < sizeof key) {
					memcpy(key, want, kl);
					key[kl] = '\0';
					if (value_matches(json_object_get(el, key) ?
					                  json_object_get(el, key) : json_null(), eq + 1))
						return true;
				}
			} else if (value_matches(el, want)) {
				return true;
			}
		}
		return false;
	}
	default:
		return false;
	}
}

static bool is_paging_key(const char *key)
{
	static const char *const skip[] = { "fields", "limit", "marker", "page_reverse",
	                                    "sort_key", "sort_dir", NULL };

	for (const char *const *p = skip; *p; p++)
		if (!strcmp(*p, key))
			return true;
	return false;
}

int k5_store_list(struct k5_mock *k, const struct k5_kind *kind, const char *query,
                  json_t **out, struct k5_err *e)
{
	json_t *filters = query_parse(query), *fields, *list = json_array(), *o;
	size_t i;

	(void)e;
	fields = json_object_get(filters, "fields");
	json_array_foreach(k5_coll(k, kind), i, o) {
		const char *key;
		json_t *wants;
		bool keep = true;

		json_object_foreach(filters, key, wants) {
			json_t *v = json_object_get(o, key), *w;
			bool any = false;
			size_t j;

			if (is_paging_key(key))
				continue;
			if (!v) {
				/* an attribute this kind does not have: ignored, as older neutron did */
				if (!attr_find(kind, key))
					continue;
				keep = false;
				break;
			}
			json_array_foreach(wants, j, w)
				if (value_matches(v, json_string_value(w)))
					any = true;
			if (!any) {
				keep = false;
				break;
			}
		}
		if (!keep)
			continue;
		if (fields) {
			json_t *sel = json_object(), *f;
			size_t j;

			json_array_foreach(fields, j, f) {
				json_t *fv = json_object_get(o, json_string_value(f));

				if (fv)
					json_object_set(sel, json_string_value(f), fv);
			}
			json_array_append_new(list, sel);
		} else {
			json_array_append(list, o);
		}
	}
	json_decref(filters);
	*out = json_object();
	json_object_set_new(*out, kind->plural, list);
	return 200;
}
