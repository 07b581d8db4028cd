// The service's name and version, as package.json says (a Node test keeps them equal): GET /version.
export const SERVICE = { name: 'living-schema', version: '0.1.0' } as const;
