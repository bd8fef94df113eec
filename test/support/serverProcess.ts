import { lmStudioRoutes, startServer } from './scriptedServer.js';

/**
 * A scripted LM Studio in a process of its own (`node out/test/support/serverProcess.js PORT`), so a test can
 * restart "the server" and see another pid: prints its port on stdout, runs until killed.
 */
void startServer(lmStudioRoutes(), Number(process.argv[2] ?? 0)).then((s) => process.stdout.write(`${s.port}\n`));
