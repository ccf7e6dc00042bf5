export { parseEnvFile } from './env-file.ts';
export { createInterpolator, interpolateDocument, InterpolationError, type MissingVariable } from './interpolation.ts';
export {
  REPO_ROOT,
  COMPOSE_FILE,
  AFTER_FAILOVER_FILE,
  ENV_EXAMPLE_FILE,
  readComposeFile,
  readEnvExample,
  loadCompose,
  exampleEnvironment,
  requiredVariables,
  type ComposeFile,
  type ComposeService,
} from './compose.ts';
export { createComposeValidator, describeErrors, COMPOSE_SCHEMA_FILE } from './compose-schema.ts';
export { parseDockerfile, type DockerStage } from './dockerfile.ts';
