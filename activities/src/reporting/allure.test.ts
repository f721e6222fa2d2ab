import { describe, expect, it } from 'vitest';
import { removeOutsideRequests } from './allure.js';

/** The end of Allure Report 3.18's page template (@allurereport/plugin-awesome generators.js), as generated. */
const ALLURE_PAGE = `<!DOCTYPE html>
<html dir="ltr" lang="en">
<head>
    <meta charset="utf-8">
    <title> shop · smoke </title>
    <link rel="icon" href="data:image/svg+xml;base64,PHN2Zz4=">
    <link rel="stylesheet" type="text/css" href="styles.css">
    <script>
      window.allureReportOptions = {"reportName":"shop · smoke","cacheKey":"1"}
    </script>
</head>
<body>
    <div id="app"></div>
    <script>
      const { origin, pathname } = window.location;
    </script>
    <script src="app-b3323b2606f19801ef1b.js"></script>
    <script async src="https://www.googletagmanager.com/gtag/js?id=G-LNDJ3J7WT0"></script>
    <script>
        window.dataLayer = window.dataLayer || [];
        function gtag(){dataLayer.push(arguments);}
        gtag('js', new Date());
        gtag('config', 'G-LNDJ3J7WT0', {
          "report": "awesome",
          "allureVersion": "3.18.0",
          "reportUuid": "9a1c",
          "single_file": "false"
        });
    </script>
    <script async>
      d("data/test-results/1.json","eyJuYW1lIjoiZGF0YUxheWVyIGd0YWcoKSJ9")
    </script>
</body>
</html>
`;

describe('removeOutsideRequests', () => {
  it("removes Allure's Google Tag Manager script and its gtag configuration, and nothing else", () => {
    const { html, removed } = removeOutsideRequests(ALLURE_PAGE);
    expect(removed).toEqual(['script https://www.googletagmanager.com/gtag/js?id=G-LNDJ3J7WT0', 'script gtag(…)']);
    expect(html).not.toMatch(/googletagmanager|gtag|dataLayer\b/);
    // Everything else is the page as generated, byte for byte.
    const gtmStart = ALLURE_PAGE.indexOf('    <script async src="https://www.googletagmanager.com');
    const gtmEnd = ALLURE_PAGE.indexOf('    <script async>');
    expect(html).toBe(ALLURE_PAGE.slice(0, gtmStart) + ALLURE_PAGE.slice(gtmEnd));
  });

  it('removes any script or link that points at another host, keeping data: and relative URLs', () => {
    const page = [
      '<link rel="preconnect" href="https://fonts.gstatic.com">',
      "<link rel='stylesheet' href=//fonts.googleapis.com/css?family=Inter>",
      '<link rel="stylesheet" href="main.css">',
      '<script src="HTTP://cdn.example.com/x.js" defer></script>',
      '<script src="data:text/javascript;base64,YQ=="></script>',
      '<script src="app.js"></script>',
    ].join('\n');
    const { html, removed } = removeOutsideRequests(page);
    expect(removed).toEqual(['script HTTP://cdn.example.com/x.js', 'link https://fonts.gstatic.com', 'link //fonts.googleapis.com/css?family=Inter']);
    expect(html).toBe('<link rel="stylesheet" href="main.css">\n<script src="data:text/javascript;base64,YQ=="></script>\n<script src="app.js"></script>');
  });

  it("never touches the report's own data script, whatever its content", () => {
    const data = `<script async>\nd("a","${'x'.repeat(20_000)}");window.dataLayer;gtag()\n</script>`;
    expect(removeOutsideRequests(data)).toEqual({ html: data, removed: [] });
  });
});
