// A process for the token crash-window test: the real application (api role: no job workers) that
// refreshes the token of ACCOUNT_ID once, as a worker does (through its token refresh process). The
// test SIGKILLs it while the provider is still answering; the refresh process must save the grant.
import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../src/app.module.js';
import { loadConfig } from '../../src/config/app-config.js';
import type { TokenRefreshProcess } from '../../src/modules/providers/tokens/token-refresh-process.js';
import { TokenService } from '../../src/modules/providers/tokens/token.service.js';

const config = loadConfig(process.env);
const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] }).compile();
const app = moduleRef.createNestApplication({ logger: false });
await app.init();
const tokens = app.get(TokenService);
// started and ready (its connection open) before the refresh, as a worker's is from its bootstrap
const refresher = (tokens as unknown as { refresher: TokenRefreshProcess }).refresher;
refresher.warm();
await (refresher as unknown as { whenReady(): Promise<void> }).whenReady();
const pid = (refresher as unknown as { child: { pid: number } }).child.pid;
process.stdout.write(`refreshing ${pid}\n`);
await tokens.accessToken(process.env.ACCOUNT_ID!);
process.stdout.write('saved\n'); // not reached: killed while Strava is still answering
process.exit(0);
