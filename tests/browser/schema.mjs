// Validates YAML files against JSON Schemas the way an editor does: the files
// are read with `yaml` (the YAML 1.2 parser yaml-language-server uses) and
// checked with Ajv (draft-07). Reads a JSON list of [yaml file, schema file]
// pairs on stdin; prints one JSON line per file: {file, valid, errors}.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import Ajv from "ajv";
import { parse } from "yaml";

const pairs = JSON.parse(readFileSync(0, "utf8"));
const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new Map();
let failed = false;
for (let [file, schemaFile] of pairs) {
  schemaFile = resolve(schemaFile);
  let validate = compiled.get(schemaFile);
  if (!validate) {
    try {
      // Each file is its own schema: the same $id in two projects is no clash.
      const schema = JSON.parse(readFileSync(schemaFile, "utf8"));
      delete schema.$id;
      validate = ajv.compile(schema);
    } catch (e) {
      console.log(JSON.stringify({ file, schema: schemaFile, valid: false, errors: [`schema does not compile: ${e.message}`] }));
      failed = true;
      continue;
    }
    compiled.set(schemaFile, validate);
  }
  let data;
  try {
    data = parse(readFileSync(file, "utf8"), { uniqueKeys: true, maxAliasCount: 100 });
  } catch (e) {
    console.log(JSON.stringify({ file, valid: false, errors: [`yaml: ${e.message.split("\n")[0]}`] }));
    continue;
  }
  const valid = validate(data);
  const errors = valid
    ? []
    : validate.errors.slice(0, 8).map((e) => `${e.instancePath || "/"} ${e.message}${e.params && e.params.additionalProperty ? ` (${e.params.additionalProperty})` : ""}`);
  console.log(JSON.stringify({ file, valid, errors }));
}
process.exit(failed ? 1 : 0);
