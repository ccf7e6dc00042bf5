export { openApiDocumentText, exportOpenApiDocument, type DocumentedApp, type InProcessApp } from './openapi-document.ts';
