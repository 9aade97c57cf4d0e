/**
 * A subscriber as a separate process: `node ws-events-client.js <ws url> <project>`, token in
 * LAKEGATE_TOKEN. It follows ingestionEvents and prints each event's sequence on a line of its own;
 * when its socket closes it subscribes again with `after` = the last sequence it printed, as README tells
 * clients to resume. Status lines start with '#': `# connected after N`, `# closed CODE`.
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, project] = process.argv.slice(2);
const token = process.env['LAKEGATE_TOKEN'];
if (!url || !project || !token) {
  process.stderr.write('usage: LAKEGATE_TOKEN=… ws-events-client <ws url> <project>\n');
  process.exit(2);
}

const query = `subscription ($project: String!, $after: Int) {
  ingestionEvents(project: $project, after: $after) { sequence }
}`;
const say = (line: string) => process.stdout.write(`${line}\n`);
let last = 0;

function follow(): void {
  let after = last;
  const client = createClient({
    url: url!,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${token}` },
    on: {
      connected: () => say(`# connected after ${after}`),
      closed: (event) => say(`# closed ${(event as { code?: number }).code}`),
    },
  });
  const refused = (errors: unknown) => {
    process.stderr.write(`${JSON.stringify(errors)}\n`);
    process.exit(1);
  };
  const again = () => {
    void client.dispose();
    setTimeout(follow, 200);
  };
  client.subscribe<{ ingestionEvents: { sequence: number } }>(
    { query, variables: { project, after } },
    {
      next: ({ data, errors }) => {
        if (errors) refused(errors);
        last = after = data!.ingestionEvents.sequence;
        say(String(last));
      },
      // An array is the server refusing the operation; anything else is the socket closing (or not opening).
      error: (error) => (Array.isArray(error) ? refused(error) : again()),
      complete: again,
    },
  );
}

follow();
