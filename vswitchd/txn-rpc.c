#include <config.h>
#include "txn-rpc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "bridge.h"
#include "jsonrpc.h"
#include "rpc-server.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(txn_rpc);

/* What the methods need: the server (to find a transaction's methods
 * and its batch limit) and the bridges. */
struct txn_rpc {
    struct rpc_server *server;
    struct bridge_set *bs;
};

/* The methods an operation of "transact" may call: the ones that change
 * bridges, ports and their maps, and the ones that read them (which see
 * the changes of the operations before them). */
static const char *const txn_methods[] = {
    "bridge.add", "bridge.del", "bridge.list",
    "port.add", "port.del", "port.set", "port.list",
    "db.set", "db.remove", "db.clear", "db.get", "db.find",
};

static bool
txn_method_is_allowed(const char *method)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(txn_methods); i++) {
        if (!strcmp(method, txn_methods[i])) {
            return true;
        }
    }
    return false;
}

/* Returns a new RPC_INVALID_PARAMS error that says what 'error' (an
 * rpc_params_unpack() error, freed) says of a member of the params,
 * 'what' ("operation 2"). */
static json_t *
txn_member_error(json_t *error, const char *what)
{
    const char *msg = json_string_value(json_object_get(error, "message"));
    const char *prefix = "invalid params: ";
    json_t *new;

    if (msg && !strncmp(msg, prefix, strlen(prefix))) {
        msg += strlen(prefix);
    }
    new = rpc_error_create(RPC_INVALID_PARAMS, "invalid params: %s: %s",
                           what, msg ? msg : "malformed");
    json_decref(error);
    return new;
}

/* Checks operation 'i' (0-based) 'op' of a transaction and stores its
 * handler and aux.  Returns NULL, or an error. */
static json_t *
txn_check_op(const struct txn_rpc *txn, size_t i, json_t *op,
             rpc_handler_func **handlerp, void **auxp)
{
    const char *method;
    json_t *params = NULL, *error;

    if (!json_is_object(op)
        || !rpc_params_unpack(op, &error, "{s:s, s?:o}",
                              "method", &method, "params", &params)) {
        char what[64];

        snprintf(what, sizeof what, "operation %zu", i + 1);
        if (!json_is_object(op)) {
            return rpc_error_create(RPC_INVALID_PARAMS, "invalid params: "
                                    "%s: must be an object with a string "
                                    "\"method\" and an optional object "
                                    "\"params\"", what);
        }
        return txn_member_error(error, what);
    }
    if (params && !json_is_object(params)) {
        return rpc_error_create(RPC_INVALID_PARAMS, "invalid params: "
                                "operation %zu (%s): params must be an "
                                "object", i + 1, method);
    }
    if (!strcmp(method, "transact")) {
        return rpc_error_create(RPC_INVALID_PARAMS, "invalid params: "
                                "operation %zu: transactions do not nest",
                                i + 1);
    }
    if (!rpc_server_get_method(txn->server, method, handlerp, auxp)) {
        return rpc_error_create(RPC_INVALID_PARAMS, "invalid params: "
                                "operation %zu: unknown method %s",
                                i + 1, method);
    }
    if (!txn_method_is_allowed(method)) {
        return rpc_error_create(RPC_INVALID_PARAMS, "invalid params: "
                                "operation %zu: method %s cannot be part "
                                "of a transaction", i + 1, method);
    }
    return NULL;
}

/* Turns 'error', the error of operation 'i' (0-based) calling 'method',
 * into the transaction's error (consumed; returns a new one). */
static json_t *
txn_op_error(json_t *error, size_t i, const char *method)
{
    const char *msg = json_string_value(json_object_get(error, "message"));
    json_int_t code = json_integer_value(json_object_get(error, "code"));
    json_t *e;

    e = rpc_error_create(code, "operation %zu (%s): %s", i + 1, method,
                         msg ? msg : "failed");
    json_object_set_new(e, "data", json_pack("{s:I, s:s}", "operation",
                                             (json_int_t) i + 1,
                                             "method", method));
    json_decref(error);
    return e;
}

/* Runs the operations 'ops', whose handlers and auxes are in 'handlers'
 * and 'auxes', as one bridge transaction.  Returns the array of their
 * results, or NULL with an error in '*errorp' (nothing then changed). */
static json_t *
txn_run(struct txn_rpc *txn, json_t *ops, rpc_handler_func **handlers,
        void **auxes, json_t **errorp)
{
    json_t *results = json_array();
    char *msg = NULL;
    json_t *op;
    size_t i;

    bridge_txn_begin(txn->bs);
    json_array_foreach (ops, i, op) {
        const char *method = json_string_value(json_object_get(op,
                                                               "method"));
        json_t *error = NULL;
        json_t *result;

        result = handlers[i](json_object_get(op, "params"), &error,
                             auxes[i]);
        if (!result) {
            bridge_txn_abort(txn->bs);
            *errorp = txn_op_error(error ? error : rpc_error_create(
                                       RPC_INTERNAL_ERROR, "no answer"),
                                   i, method);
            json_decref(results);
            return NULL;
        }
        json_array_append_new(results, result);
    }
    if (bridge_txn_commit(txn->bs, &msg)) {
        *errorp = rpc_error_create(RPC_ERR_IO, "%s", msg);
        free(msg);
        json_decref(results);
        return NULL;
    }
    return results;
}

static json_t *
rpc_transact(json_t *params, json_t **errorp, void *txn_)
{
    struct txn_rpc *txn = txn_;
    size_t max = rpc_server_get_limits(txn->server)->max_batch;
    json_t *ops, *op, *results = NULL;
    rpc_handler_func **handlers;
    size_t i, n;
    void **auxes;

    if (!rpc_params_unpack(params, errorp, "{s:o}", "operations", &ops)) {
        return NULL;
    }
    if (!json_is_array(ops)) {
        *errorp = rpc_error_create(RPC_INVALID_PARAMS, "invalid params: "
                                   "operations must be an array");
        return NULL;
    }
    n = json_array_size(ops);
    if (!n) {
        *errorp = rpc_error_create(RPC_INVALID_PARAMS, "invalid params: "
                                   "operations must not be empty");
        return NULL;
    }
    if (n > max) {
        *errorp = rpc_error_create(RPC_INVALID_PARAMS, "invalid params: "
                                   "transaction of more than %zu "
                                   "operations (see --max-batch-size)",
                                   max);
        return NULL;
    }

    /* Check every operation before running any. */
    handlers = xcalloc(n, sizeof *handlers);
    auxes = xcalloc(n, sizeof *auxes);
    json_array_foreach (ops, i, op) {
        *errorp = txn_check_op(txn, i, op, &handlers[i], &auxes[i]);
        if (*errorp) {
            break;
        }
    }
    if (!*errorp) {
        results = txn_run(txn, ops, handlers, auxes, errorp);
    }
    free(handlers);
    free(auxes);
    return results ? json_pack("{s:o}", "results", results) : NULL;
}

/* Tables and columns. */

/* OVS's tables that name our bridges and ports.  Interface is Port: a
 * port here is one interface. */
enum txn_table {
    TXN_BRIDGE,
    TXN_PORT,
};

/* Parses table name 'name' (case does not matter, as in ovs-vsctl) into
 * '*tablep' and stores its spelling in '*namep'.  Returns NULL or an
 * error. */
static json_t *
txn_parse_table(const char *name, enum txn_table *tablep,
                const char **namep)
{
    if (!strcasecmp(name, "Bridge")) {
        *tablep = TXN_BRIDGE;
        *namep = "Bridge";
    } else if (!strcasecmp(name, "Port")) {
        *tablep = TXN_PORT;
        *namep = "Port";
    } else if (!strcasecmp(name, "Interface")) {
        *tablep = TXN_PORT;
        *namep = "Interface";
    } else {
        return rpc_error_create(RPC_ERR_NOT_FOUND, "unknown table \"%s\" "
                                "(use Bridge, Port or Interface)", name);
    }
    return NULL;
}

/* Returns NULL if 'column' is a map column, otherwise an error. */
static json_t *
txn_check_map_column(const char *table, const char *column)
{
    if (!strcmp(column, "external_ids") || !strcmp(column, "other_config")) {
        return NULL;
    }
    return rpc_error_create(RPC_ERR_NOT_FOUND, "%s does not contain a "
                            "column whose name matches \"%s\" (use "
                            "external_ids or other_config)", table, column);
}

/* A bridge or a port, as the db methods see it. */
struct txn_record {
    const char *name;
    const json_t *external_ids;
    const json_t *other_config;
};

/* Finds record 'name' of 'table' into '*rec'.  Returns NULL or an
 * error. */
static json_t *
txn_find_record(const struct bridge_set *bs, enum txn_table table,
                const char *table_name, const char *name,
                struct txn_record *rec)
{
    if (table == TXN_BRIDGE) {
        const struct bridge *br = bridge_find(bs, name);

        if (br) {
            rec->name = br->name;
            rec->external_ids = br->external_ids;
            rec->other_config = br->other_config;
            return NULL;
        }
    } else {
        const struct port *port = bridge_find_port(bs, name);

        if (port) {
            rec->name = port->name;
            rec->external_ids = port->external_ids;
            rec->other_config = port->other_config;
            return NULL;
        }
    }
    return rpc_error_create(RPC_ERR_NOT_FOUND, "no row \"%s\" in table %s",
                            name, table_name);
}

static const json_t *
txn_record_map(const struct txn_record *rec, const char *column)
{
    return !strcmp(column, "external_ids") ? rec->external_ids
                                           : rec->other_config;
}

/* Looks up the record 'record' of table 'table_arg' and checks that
 * 'column' is one of its maps: what every db method but find starts with.
 * Stores the table in '*tablep' and '*namep' and the record in '*rec'.
 * Returns NULL or an error.  With 'if_exists', a record that does not
 * exist is no error: 'rec->name' is then NULL. */
static json_t *
txn_lookup(const struct bridge_set *bs, const char *table_arg,
           const char *record, const char *column, bool if_exists,
           enum txn_table *tablep, const char **namep,
           struct txn_record *rec)
{
    json_t *error = txn_parse_table(table_arg, tablep, namep);

    if (!error) {
        error = txn_check_map_column(*namep, column);
    }
    if (!error) {
        error = txn_find_record(bs, *tablep, *namep, record, rec);
        if (error && if_exists) {
            json_decref(error);
            error = NULL;
            rec->name = NULL;
        }
    }
    return error;
}

/* Turns a bridge-layer failure into a JSON-RPC error.  Takes ownership of
 * 'msg'. */
static json_t *
txn_error_from_errno(int error, char *msg)
{
    int code = (error == ENOENT ? RPC_ERR_NOT_FOUND
                : error == EINVAL ? RPC_ERR_INVALID
                : RPC_ERR_IO);
    json_t *e = rpc_error_create(code, "%s",
                                 msg ? msg : nfvs_strerror(error));

    free(msg);
    return e;
}

/* Checks that 'values' maps nonempty keys to strings: the value of a
 * db.set.  Returns NULL or an error. */
static json_t *
txn_check_values(const char *column, const json_t *values)
{
    const char *key;
    json_t *value;

    if (!json_is_object(values)) {
        return rpc_error_create(RPC_INVALID_PARAMS, "invalid params: "
                                "values must be an object of strings");
    }
    json_object_foreach ((json_t *) values, key, value) {
        if (!key[0]) {
            return rpc_error_create(RPC_ERR_INVALID, "%s: a key must not "
                                    "be empty", column);
        }
        if (!json_is_string(value)) {
            return rpc_error_create(RPC_ERR_INVALID, "%s: the value of key "
                                    "\"%s\" must be a string", column, key);
        }
    }
    return NULL;
}

static json_t *
txn_update(struct bridge_set *bs, enum txn_table table, const char *name,
           const char *column, bool clear, const json_t *remove,
           const json_t *set, json_t **errorp)
{
    char *msg = NULL;
    int error;

    error = bridge_update_map(bs, table == TXN_PORT, name, column, clear,
                              remove, set, &msg);
    if (error) {
        *errorp = txn_error_from_errno(error, msg);
        return NULL;
    }
    return json_object();
}

static json_t *
rpc_db_set(json_t *params, json_t **errorp, void *txn_)
{
    struct txn_rpc *txn = txn_;
    json_t *values, *replace = NULL;
    const char *table_arg, *record, *table_name, *column;
    struct txn_record rec;
    enum txn_table table;
    int if_exists = 0;

    if (!rpc_params_unpack(params, errorp,
                           "{s:s, s:s, s:s, s:o, s?:o, s?:b}",
                           "table", &table_arg, "record", &record,
                           "column", &column, "values", &values,
                           "replace", &replace, "if_exists", &if_exists)) {
        return NULL;
    }
    if (replace && !json_is_boolean(replace)) {
        *errorp = rpc_error_create(RPC_INVALID_PARAMS, "invalid params: "
                                   "replace must be true or false");
        return NULL;
    }
    *errorp = txn_check_values(column, values);
    if (!*errorp) {
        *errorp = txn_lookup(txn->bs, table_arg, record, column, if_exists,
                             &table, &table_name, &rec);
    }
    if (*errorp) {
        return NULL;
    }
    if (!rec.name) {
        return json_object();
    }
    return txn_update(txn->bs, table, rec.name, column,
                      json_is_true(replace), NULL, values, errorp);
}

static json_t *
rpc_db_remove(json_t *params, json_t **errorp, void *txn_)
{
    struct txn_rpc *txn = txn_;
    const char *table_arg, *record, *table_name, *column;
    struct txn_record rec;
    enum txn_table table;
    json_t *keys, *key;
    int if_exists = 0;
    size_t i;

    if (!rpc_params_unpack(params, errorp, "{s:s, s:s, s:s, s:o, s?:b}",
                           "table", &table_arg, "record", &record,
                           "column", &column, "keys", &keys,
                           "if_exists", &if_exists)) {
        return NULL;
    }
    if (!json_is_array(keys)) {
        *errorp = rpc_error_create(RPC_INVALID_PARAMS, "invalid params: "
                                   "keys must be an array of strings");
        return NULL;
    }
    json_array_foreach (keys, i, key) {
        if (!json_is_string(key)) {
            *errorp = rpc_error_create(RPC_INVALID_PARAMS, "invalid "
                                       "params: keys must be an array of "
                                       "strings");
            return NULL;
        }
    }
    *errorp = txn_lookup(txn->bs, table_arg, record, column, if_exists,
                         &table, &table_name, &rec);
    if (*errorp) {
        return NULL;
    }
    if (!rec.name) {
        return json_object();
    }
    return txn_update(txn->bs, table, rec.name, column, false, keys, NULL,
                      errorp);
}

static json_t *
rpc_db_clear(json_t *params, json_t **errorp, void *txn_)
{
    struct txn_rpc *txn = txn_;
    const char *table_arg, *record, *table_name, *column;
    struct txn_record rec;
    enum txn_table table;

    int if_exists = 0;

    if (!rpc_params_unpack(params, errorp, "{s:s, s:s, s:s, s?:b}",
                           "table", &table_arg, "record", &record,
                           "column", &column, "if_exists", &if_exists)) {
        return NULL;
    }
    *errorp = txn_lookup(txn->bs, table_arg, record, column, if_exists,
                         &table, &table_name, &rec);
    if (*errorp) {
        return NULL;
    }
    if (!rec.name) {
        return json_object();
    }
    return txn_update(txn->bs, table, rec.name, column, true, NULL, NULL,
                      errorp);
}

static json_t *
rpc_db_get(json_t *params, json_t **errorp, void *txn_)
{
    struct txn_rpc *txn = txn_;
    const char *table_arg, *record, *table_name, *column;
    const json_t *map, *value;
    struct txn_record rec;
    enum txn_table table;
    json_t *key = NULL;
    int if_exists = 0;

    if (!rpc_params_unpack(params, errorp, "{s:s, s:s, s:s, s?:o, s?:b}",
                           "table", &table_arg, "record", &record,
                           "column", &column, "key", &key,
                           "if_exists", &if_exists)) {
        return NULL;
    }
    if (key && !json_is_string(key)) {
        *errorp = rpc_error_create(RPC_INVALID_PARAMS, "invalid params: "
                                   "key must be a string");
        return NULL;
    }
    *errorp = txn_lookup(txn->bs, table_arg, record, column, if_exists,
                         &table, &table_name, &rec);
    if (*errorp) {
        return NULL;
    }
    if (!rec.name) {
        return json_object();
    }
    map = txn_record_map(&rec, column);
    if (!key) {
        return json_pack("{s:o}", "value", json_deep_copy(map));
    }
    value = json_object_get(map, json_string_value(key));
    if (!value) {
        *errorp = rpc_error_create(RPC_ERR_NOT_FOUND, "no key \"%s\" in %s "
                                   "record \"%s\" column %s",
                                   json_string_value(key), table_name,
                                   rec.name, column);
        return NULL;
    }
    return json_pack("{s:O}", "value", value);
}

/* Returns true if 'rec' meets every condition in 'conditions' (checked
 * by rpc_db_find()). */
static bool
txn_record_matches(const struct txn_record *rec, const json_t *conditions)
{
    const json_t *cond;
    size_t i;

    json_array_foreach (conditions, i, cond) {
        const char *column = json_string_value(json_object_get(cond,
                                                               "column"));
        const char *key = json_string_value(json_object_get(cond, "key"));
        const char *want = json_string_value(json_object_get(cond,
                                                             "value"));
        const char *have;

        if (!strcmp(column, "name")) {
            have = rec->name;
        } else {
            have = json_string_value(json_object_get(
                                         txn_record_map(rec, column), key));
        }
        if (!have || strcmp(have, want)) {
            return false;
        }
    }
    return true;
}

static json_t *
txn_record_to_json(const struct txn_record *rec)
{
    return json_pack("{s:s, s:o, s:o}", "name", rec->name,
                     "external_ids", json_deep_copy(rec->external_ids),
                     "other_config", json_deep_copy(rec->other_config));
}

static json_t *
rpc_db_find(json_t *params, json_t **errorp, void *txn_)
{
    struct txn_rpc *txn = txn_;
    json_t *conditions = NULL, *cond, *records;
    const char *table_arg, *table_name;
    enum txn_table table;
    struct bridge **bridges;
    size_t i, j, n;

    if (!rpc_params_unpack(params, errorp, "{s:s, s?:o}", "table",
                           &table_arg, "conditions", &conditions)) {
        return NULL;
    }
    *errorp = txn_parse_table(table_arg, &table, &table_name);
    if (*errorp) {
        return NULL;
    }
    if (conditions && !json_is_array(conditions)) {
        *errorp = rpc_error_create(RPC_INVALID_PARAMS, "invalid params: "
                                   "conditions must be an array");
        return NULL;
    }
    json_array_foreach (conditions, i, cond) {
        const char *column, *key = NULL, *value;
        json_t *error;

        if (!json_is_object(cond)
            || !rpc_params_unpack(cond, &error, "{s:s, s?:s, s:s}",
                                  "column", &column, "key", &key,
                                  "value", &value)) {
            char what[64];

            snprintf(what, sizeof what, "condition %zu", i + 1);
            *errorp = (json_is_object(cond)
                       ? txn_member_error(error, what)
                       : rpc_error_create(RPC_INVALID_PARAMS,
                                          "invalid params: %s: must be an "
                                          "object", what));
            return NULL;
        }
        if (!strcmp(column, "name") ? key != NULL : !key) {
            *errorp = rpc_error_create(RPC_INVALID_PARAMS, "invalid params: "
                                       "condition %zu: a key is needed "
                                       "for external_ids and other_config "
                                       "and not allowed for name", i + 1);
            return NULL;
        }
        if (strcmp(column, "name")) {
            *errorp = txn_check_map_column(table_name, column);
            if (*errorp) {
                return NULL;
            }
        }
    }

    records = json_array();
    bridges = bridge_set_sorted(txn->bs, &n);
    for (i = 0; i < n; i++) {
        struct txn_record rec;

        if (table == TXN_BRIDGE) {
            rec.name = bridges[i]->name;
            rec.external_ids = bridges[i]->external_ids;
            rec.other_config = bridges[i]->other_config;
            if (txn_record_matches(&rec, conditions)) {
                json_array_append_new(records, txn_record_to_json(&rec));
            }
        } else {
            struct port **ports;
            size_t n_ports;

            ports = bridge_ports_sorted(bridges[i], &n_ports);
            for (j = 0; j < n_ports; j++) {
                rec.name = ports[j]->name;
                rec.external_ids = ports[j]->external_ids;
                rec.other_config = ports[j]->other_config;
                if (txn_record_matches(&rec, conditions)) {
                    json_array_append_new(records,
                                          txn_record_to_json(&rec));
                }
            }
            free(ports);
        }
    }
    free(bridges);
    return json_pack("{s:o}", "records", records);
}

void
txn_rpc_register(struct rpc_server *server, struct bridge_set *bs)
{
    static struct txn_rpc txn;

    txn.server = server;
    txn.bs = bs;
    rpc_server_register(server, "transact", rpc_transact, &txn);
    rpc_server_register(server, "db.set", rpc_db_set, &txn);
    rpc_server_register(server, "db.remove", rpc_db_remove, &txn);
    rpc_server_register(server, "db.clear", rpc_db_clear, &txn);
    rpc_server_register(server, "db.get", rpc_db_get, &txn);
    rpc_server_register(server, "db.find", rpc_db_find, &txn);
}
