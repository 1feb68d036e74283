/** The route policy the forward-auth, nginx and proxy tests share. */
export const EDGE_POLICY = `
version: 1
unmatched: deny
rules:
  - name: health
    path: /health
    methods: [GET]
    public: true
  - name: recall
    path: /v1/spaces/:space/recall
    methods: [GET, POST]
    scopes: [memories:read]
    memory_space: { param: space }
    resource_metadata: https://memory.example/.well-known/oauth-protected-resource
  - name: remember
    path: /v1/spaces/:space/remember
    methods: [POST]
    scopes: [memories:write]
    memory_space: { param: space }
    rate_limit: tiny
  - name: by-header
    path: /v1/tools/**
    scopes: [tools:execute]
    memory_space: { header: X-Tenant }
`;
