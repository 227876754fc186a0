"""HTTP plumbing, no framework: request, response, errors, body reader, routing, CORS."""
