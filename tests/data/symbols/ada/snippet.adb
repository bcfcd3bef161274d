with Ada.Text_IO; use Ada.Text_IO;
with Ada.Containers.Vectors;

--  Computes simple statistics over a list of readings.
procedure Stats is
   package Float_Vectors is new Ada.Containers.Vectors
     (Index_Type => Positive, Element_Type => Float);
   use Float_Vectors;

   type Summary is record
      Count : Natural := 0;
      Mean  : Float := 0.0;
   end record;

   function Summarise (V : Vector) return Summary is
      Total : Float := 0.0;
   begin
      if V.Is_Empty then
         return (Count => 0, Mean => 0.0);
      end if;
      for X of V loop
         Total := Total + X;
      end loop;
      return (Count => Natural (V.Length), Mean => Total / Float (V.Length));
   end Summarise;

   Readings : Vector;
   S        : Summary;
begin
   Readings.Append (3.5);
   Readings.Append (4.25);
   S := Summarise (Readings);
   Put_Line ("Count:" & Natural'Image (S.Count));
end Stats;
