// The API reference page (/api/v1/docs): Swagger UI, vendored in static/vendor/swagger-ui/,
// renders the document named by #swagger-ui's data-spec-url. No outside requests: the online
// validator badge is off.
document.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    validatorUrl: null,
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
