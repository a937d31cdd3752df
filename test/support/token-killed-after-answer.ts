// A process for the token crash-window test: the real application (api role: no job workers) that
// refreshes the token of ACCOUNT_ID once and is SIGKILLed by the TokenService fault hook right
// after the provider answered, before the new grant is saved.
import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../src/app.module.js';
import { loadConfig } from '../../src/config/app-config.js';
import { TokenService } from '../../src/modules/providers/tokens/token.service.js';

const config = loadConfig(process.env);
const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] }).compile();
const app = moduleRef.createNestApplication({ logger: false });
await app.init();
const tokens = app.get(TokenService);
tokens.faults.afterIssued = () => {
  process.stdout.write('issued\n');
  process.kill(process.pid, 'SIGKILL');
};
await tokens.accessToken(process.env.ACCOUNT_ID!);
process.stdout.write('saved\n'); // not reached
process.exit(0);
