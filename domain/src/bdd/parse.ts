import { AstBuilder, compile, Errors, GherkinClassicTokenMatcher, Parser } from '@cucumber/gherkin';
import { IdGenerator, type Background, type GherkinDocument, type Scenario as GherkinScenario, type Step as GherkinStep, type Tag } from '@cucumber/messages';
import type { ScenarioExamples, ScenarioType } from '../entities/feature.js';
import { normalizeFeaturePath, scenarioLineEnd, scenarioStableId, sha256Hex } from './stable-id.js';

/**
 * Feature files to the shape QAtron stores (PRD 14.1, issue 6): pure, no database. The parser is
 * @cucumber/gherkin, the same grammar Cucumber and pytest-bdd's parser follow, with the file's
 * `# language:` header choosing the dialect, and its `compile` giving the pickles (one per
 * scenario, one per Examples row of an outline) that the stored scenarios must account for.
 */

/** One step as stored: Background steps come first, flagged, so a scenario reads as it runs. */
export interface ParsedStep {
  position: number;
  /** The keyword as written, with its trailing space (`Given `, `Angenommen `). */
  keyword: string;
  /** Context, Action, Outcome, Conjunction or Unknown: language-independent. */
  keywordType: string;
  text: string;
  line: number;
  dataTable: string[][] | null;
  docString: string | null;
  /** Inherited from the feature's or the rule's Background. */
  fromBackground: boolean;
}

export interface ParsedScenario {
  name: string;
  description: string;
  type: ScenarioType;
  /** The Rule it sits in, if any. */
  rule: string | null;
  /**
   * Its effective tags: the feature's, then the rule's, then its own, without repeats. pytest-bdd
   * applies inherited tags as markers and Cucumber gives them to pickles, so filtering scenarios by
   * tag has to see them too. Examples tables keep their own tags in `examples`.
   */
  tags: string[];
  lineStart: number;
  lineEnd: number;
  examples: ScenarioExamples[];
  steps: ParsedStep[];
  /** SHA-256 over its own steps (keyword type, text, data table, doc string); not the name or background. */
  stepsHash: string;
  stableId: string;
  /** Pickles @cucumber/gherkin compiles from it: 1 for a scenario, one per Examples body row for an outline. */
  pickleCount: number;
}

export interface ParsedFeature {
  path: string;
  name: string;
  description: string;
  tags: string[];
  language: string;
  scenarios: ParsedScenario[];
  pickleCount: number;
}

/** A file that does not parse: the first error's line and every message the parser gave. */
export interface FeatureFileError {
  path: string;
  line: number | null;
  message: string;
}

export type FeatureParseResult = { ok: true; feature: ParsedFeature } | { ok: false; error: FeatureFileError };

const tagNames = (tags: readonly Tag[]): string[] => tags.map((t) => t.name);

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function stepOf(step: GherkinStep, position: number, fromBackground: boolean): ParsedStep {
  return {
    position,
    keyword: step.keyword,
    keywordType: step.keywordType ?? 'Unknown',
    text: step.text,
    line: step.location.line,
    dataTable: step.dataTable ? step.dataTable.rows.map((row) => row.cells.map((cell) => cell.value)) : null,
    docString: step.docString ? step.docString.content : null,
    fromBackground,
  };
}

/** The steps' identity for matching a renamed scenario: what it does, not what it is called. */
export function stepsHashOf(steps: readonly ParsedStep[]): string {
  const own = steps.filter((s) => !s.fromBackground).map((s) => [s.keywordType, s.text, s.dataTable, s.docString]);
  return sha256Hex(JSON.stringify(own));
}

function examplesOf(scenario: GherkinScenario): ScenarioExamples[] {
  return scenario.examples.map((examples) => ({
    name: examples.name,
    tags: tagNames(examples.tags),
    line: examples.location.line,
    header: examples.tableHeader ? examples.tableHeader.cells.map((c) => c.value) : [],
    rows: examples.tableBody.map((row) => row.cells.map((c) => c.value)),
    rowLines: examples.tableBody.map((row) => row.location.line),
  }));
}

function parseError(path: string, error: unknown): FeatureFileError {
  if (error instanceof Errors.CompositeParserException && error.errors.length > 0) {
    const first = error.errors[0] as Errors.GherkinException;
    return { path, line: first.location?.line ?? null, message: error.errors.map((e) => e.message).join('\n') };
  }
  if (error instanceof Errors.GherkinException) {
    return { path, line: error.location?.line ?? null, message: error.message };
  }
  return { path, line: null, message: error instanceof Error ? error.message : String(error) };
}

/**
 * Parses one feature file. `path` is taken relative to the repository root (normalised to forward
 * slashes); it is part of every scenario's stable id. A file that does not parse gives an error
 * instead of a feature, so that one broken file never stops the others from being indexed.
 */
export function parseFeatureFile(path: string, content: string): FeatureParseResult {
  const featurePath = normalizeFeaturePath(path);
  let document: GherkinDocument;
  try {
    const newId = IdGenerator.incrementing();
    const parser = new Parser(new AstBuilder(newId), new GherkinClassicTokenMatcher());
    document = parser.parse(content);
  } catch (error) {
    return { ok: false, error: parseError(featurePath, error) };
  }
  const gherkinFeature = document.feature;
  if (!gherkinFeature) {
    // An empty file (or only comments) is valid Gherkin: a feature with nothing in it.
    return { ok: true, feature: { path: featurePath, name: '', description: '', tags: [], language: 'en', scenarios: [], pickleCount: 0 } };
  }

  const picklesPerScenario = new Map<string, number>();
  const pickles = compile(document, featurePath, IdGenerator.incrementing());
  for (const pickle of pickles) {
    const scenarioId = pickle.astNodeIds[0]!;
    picklesPerScenario.set(scenarioId, (picklesPerScenario.get(scenarioId) ?? 0) + 1);
  }

  const featureTags = tagNames(gherkinFeature.tags);
  const scenarios: ParsedScenario[] = [];
  const addScenario = (scenario: GherkinScenario, backgrounds: readonly Background[], rule: string | null, inheritedTags: string[]) => {
    const backgroundSteps = backgrounds.flatMap((b) => b.steps);
    const steps = [
      ...backgroundSteps.map((s, i) => stepOf(s, i, true)),
      ...scenario.steps.map((s, i) => stepOf(s, backgroundSteps.length + i, false)),
    ];
    const lineStart = scenario.location.line;
    const lineEnd = scenarioLineEnd(scenario);
    scenarios.push({
      name: scenario.name,
      description: scenario.description.trim(),
      type: scenario.examples.length > 0 ? 'scenario_outline' : 'scenario',
      rule,
      tags: unique([...inheritedTags, ...tagNames(scenario.tags)]),
      lineStart,
      lineEnd,
      examples: examplesOf(scenario),
      steps,
      stepsHash: stepsHashOf(steps),
      stableId: scenarioStableId(featurePath, lineStart, lineEnd, scenario.name),
      pickleCount: picklesPerScenario.get(scenario.id) ?? 0,
    });
  };

  // Backgrounds apply to what follows them, as `compile` applies them: the feature's to every
  // scenario, a rule's (after the feature's) to the rule's scenarios.
  const featureBackgrounds: Background[] = [];
  for (const child of gherkinFeature.children) {
    if (child.background) featureBackgrounds.push(child.background);
    else if (child.scenario) addScenario(child.scenario, featureBackgrounds, null, featureTags);
    else if (child.rule) {
      const rule = child.rule;
      const ruleBackgrounds = [...featureBackgrounds];
      const ruleTags = unique([...featureTags, ...tagNames(rule.tags)]);
      for (const ruleChild of rule.children) {
        if (ruleChild.background) ruleBackgrounds.push(ruleChild.background);
        else if (ruleChild.scenario) addScenario(ruleChild.scenario, ruleBackgrounds, rule.name, ruleTags);
      }
    }
  }

  return {
    ok: true,
    feature: {
      path: featurePath,
      name: gherkinFeature.name,
      description: gherkinFeature.description.trim(),
      tags: featureTags,
      language: gherkinFeature.language,
      scenarios,
      pickleCount: pickles.length,
    },
  };
}
