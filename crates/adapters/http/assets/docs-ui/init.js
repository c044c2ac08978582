// Starts Swagger UI on /docs (loaded by index.html after swagger-ui-bundle.js).
// Kept in its own file so the page needs no inline script under a
// Content-Security-Policy of default-src 'self'.
//
// Nothing here may reach beyond this origin:
// - validatorUrl: null — otherwise Swagger UI sends the spec's URL to
//   validator.swagger.io (its default validatorUrl) for a validity badge.
// - queryConfigEnabled: false — already the default; pinned so that no
//   ?url= / ?configUrl= query parameter can make the page load a spec or a
//   config from another host.
// - configUrl and urls are left unset: the one spec is our own, same origin.
"use strict";

window.ui = SwaggerUIBundle({
  url: "/api/v1/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  queryConfigEnabled: false,
  tryItOutEnabled: false,
  persistAuthorization: false,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
