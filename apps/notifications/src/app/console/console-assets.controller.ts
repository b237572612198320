import { Controller, Get, Header, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { type FastifyReply } from 'fastify';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The console's two static files, read once at start and served from memory: htmx from its
 * npm package (no CDN, no build step) and our stylesheet.
 */
const ASSETS: Record<string, { type: string; body: Buffer }> = {
  'htmx.min.js': {
    type: 'text/javascript; charset=utf-8',
    body: readFileSync(require.resolve('htmx.org/dist/htmx.min.js')),
  },
  'console.css': {
    type: 'text/css; charset=utf-8',
    body: readFileSync(join(__dirname, 'views', 'console.css')),
  },
};

@ApiExcludeController()
@Controller('console/assets')
export class ConsoleAssetsController {
  @Get(':name')
  @Header('cache-control', 'public, max-age=3600')
  @Header('x-content-type-options', 'nosniff')
  asset(@Param('name') name: string, @Res({ passthrough: true }) reply: FastifyReply): Buffer {
    const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!asset) throw new NotFoundException(`There is no console asset named ${name}`);
    void reply.header('content-type', asset.type);
    return asset.body;
  }
}
