// endpoints.hpp: one function per method and route; one file per endpoint.
//
// Each endpoint decodes its path parameters and query string with the pure
// parsers (request_parsers.hpp), validates them with the option structs shared
// by every face (query_options.hpp), takes one snapshot, calls the facade and
// serialises with the shared JSON shapes (json_shapes.hpp). Cross-cutting work
// (routing, method check, token check, limits, logging, metrics, exceptions)
// is done before and after, by the request handler.
//
// Thread-safety: every endpoint may run on any number of threads at once;
// writes are serialised by the Service.
#pragma once

#include "routes.hpp"

namespace poleloc::http::endpoints {

Response get_pole(const Call& call);       // GET    /v1/poles/{number}
Response put_pole(const Call& call);       // PUT    /v1/poles/{number}
Response delete_pole(const Call& call);    // DELETE /v1/poles/{number}
Response get_resolve(const Call& call);    // GET    /v1/resolve?q=&near=&limit=
Response get_grid_at(const Call& call);    // GET    /v1/grids/at?lon=&lat=
Response get_nearest(const Call& call);    // GET    /v1/poles/nearest?lon=&lat=&k=&max_m=
Response get_grid(const Call& call);       // GET    /v1/grids/{id}
Response put_grid(const Call& call);       // PUT    /v1/grids/{id}
Response delete_grid(const Call& call);    // DELETE /v1/grids/{id}
Response get_grid_poles(const Call& call); // GET    /v1/grids/{id}/poles?limit=&cursor=
Response get_roads(const Call& call);      // GET    /v1/roads
Response get_grid_neighbours(const Call& call);  // GET /v1/grids/{id}/neighbours?limit=
Response get_pole_history(const Call& call);  // GET /v1/poles/{number}/history
Response get_grid_history(const Call& call);  // GET /v1/grids/{id}/history
Response get_changes(const Call& call);       // GET /v1/changes?after=&skip=&limit=&wait=
Response get_snapshot(const Call& call);      // GET /v1/snapshot (the history dump, for replicas)
Response post_changes(const Call& call);   // POST   /v1/changes (a batch: JSON array or NDJSON)
Response post_backup(const Call& call);    // POST   /v1/backup (a checkpoint into --backup-dir)
Response post_import(const Call& call);    // POST   /v1/import (files inside --import-dir)
Response get_report(const Call& call);     // GET    /v1/report?format=json|geojson (token)
Response get_healthz(const Call& call);    // GET    /healthz
Response get_metrics(const Call& call);    // GET    /metrics
Response get_openapi(const Call& call);    // GET    /v1/openapi.json
Response get_asset(const Call& call);      // GET    /, /console.js, /console.css, /leaflet.*, /favicon.svg
Response get_console_config(const Call& call);  // GET /console-config.json (the console's base map)

}  // namespace poleloc::http::endpoints
