// /docs: Swagger UI (swagger-ui-dist, pinned in package.json) rendering the api's own
// /api/openapi.json. Bundled by Vite as a second entry (docs.html) so the api serves it from
// SPA_DIR like the dashboard, offline: nothing is fetched from another host (the validator
// badge, which would call an outside service, is switched off).
import SwaggerUIBundle from "swagger-ui-dist/swagger-ui-bundle.js";
import "swagger-ui-dist/swagger-ui.css";

const root = document.getElementById("swagger-ui") as HTMLElement;
SwaggerUIBundle({
  url: root.dataset.spec ?? "/api/openapi.json",
  domNode: root,
  deepLinking: true,
  validatorUrl: null,
  // "Try it out" against the same origin works; the api needs no auth headers today
  tryItOutEnabled: false,
});
