-- Argo CD health for pgstream.io/PgstreamPipeline, from the conditions the operator writes.
local hs = {}
local function condition(status, kind)
  if status == nil or status.conditions == nil then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if c.type == kind then
      return c
    end
  end
  return nil
end

local status = obj.status
if status == nil or status.observedGeneration == nil
    or (obj.metadata.generation ~= nil and status.observedGeneration < obj.metadata.generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to act on this generation"
  return hs
end

local degraded = condition(status, "Degraded")
if status.phase == "Failed" or (degraded ~= nil and degraded.status == "True") then
  hs.status = "Degraded"
  hs.message = (degraded ~= nil and degraded.message) or ("Phase " .. tostring(status.phase))
  return hs
end

local ready = condition(status, "Ready")
if status.phase == "Suspended" then
  hs.status = "Suspended"
  hs.message = (ready ~= nil and ready.message) or "spec.state is Suspended"
  return hs
end
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message
  return hs
end

hs.status = "Progressing"
hs.message = (ready ~= nil and ready.message) or ("Phase " .. tostring(status.phase))
return hs
