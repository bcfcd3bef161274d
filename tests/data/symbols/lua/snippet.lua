-- A tiny queue implementation.
local Queue = {}
Queue.__index = Queue

function Queue.new()
  return setmetatable({ first = 1, last = 0, items = {} }, Queue)
end

function Queue:push(value)
  self.last = self.last + 1
  self.items[self.last] = value
end

function Queue:pop()
  if self.first > self.last then
    return nil
  end
  local value = self.items[self.first]
  self.items[self.first] = nil
  self.first = self.first + 1
  return value
end

local q = Queue.new()
for i = 1, 3 do
  q:push("job " .. i)
end
while true do
  local job = q:pop()
  if not job then break end
  print(job)
end
return Queue
