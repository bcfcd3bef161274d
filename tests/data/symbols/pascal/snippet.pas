{ Computes the average of a fixed series of scores. }
program Stats;

{$mode objfpc}{$H+}

uses
  SysUtils, Classes;

const
  MaxItems = 10;

type
  TScores = array[1..MaxItems] of Integer;

  { A running average accumulator. }
  TAverager = class
  private
    FSum: Integer;
    FCount: Integer;
  public
    procedure Add(Value: Integer);
    function Average: Double;
  end;

procedure TAverager.Add(Value: Integer);
begin
  FSum := FSum + Value;
  Inc(FCount);
end;

function TAverager.Average: Double;
begin
  if FCount = 0 then
    Result := 0
  else
    Result := FSum / FCount;
end;

var
  Avg: TAverager;
  I: Integer;
begin
  Avg := TAverager.Create;
  try
    for I := 1 to MaxItems do
      Avg.Add(I * 3);
    WriteLn('Average: ', Avg.Average:0:2);
  finally
    Avg.Free;
  end;
end.
